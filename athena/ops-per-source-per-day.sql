-- Ops per source per day (UTC), last 30 days.
SELECT
  substr(dt, 1, 10) AS day,
  source,
  count(*) AS ops,
  count_if(success) AS successes,
  count_if(NOT success) AS failures
FROM ops
WHERE dt >= date_format(current_timestamp - INTERVAL '30' DAY, '%Y/%m/%d/%H')
GROUP BY substr(dt, 1, 10), source
ORDER BY day DESC, ops DESC;
