-- Error rate per endpoint per hour, last 24 hours (dt is the receive hour, UTC).
SELECT
  dt AS hour,
  endpoint,
  count(*) AS ops,
  count_if(NOT success) AS failures,
  round(100.0 * count_if(NOT success) / count(*), 2) AS error_rate_pct
FROM ops
WHERE dt >= date_format(current_timestamp - INTERVAL '24' HOUR, '%Y/%m/%d/%H')
GROUP BY dt, endpoint
ORDER BY hour DESC, error_rate_pct DESC, ops DESC;
