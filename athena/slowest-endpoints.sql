-- Slowest endpoints by duration_ms (p50, p95, max), last 7 days, at least 10 timed ops.
SELECT
  endpoint,
  count(duration_ms) AS timed_ops,
  round(approx_percentile(duration_ms, 0.5), 1) AS p50_ms,
  round(approx_percentile(duration_ms, 0.95), 1) AS p95_ms,
  round(max(duration_ms), 1) AS max_ms
FROM ops
WHERE dt >= date_format(current_timestamp - INTERVAL '7' DAY, '%Y/%m/%d/%H')
  AND duration_ms IS NOT NULL
GROUP BY endpoint
HAVING count(duration_ms) >= 10
ORDER BY p95_ms DESC
LIMIT 20;
