-- Top 20 staffers by failed ops, last 7 days.
SELECT
  staffer_id,
  count_if(NOT success) AS failures,
  count(*) AS ops,
  round(100.0 * count_if(NOT success) / count(*), 2) AS error_rate_pct,
  max("timestamp") AS last_op
FROM ops
WHERE dt >= date_format(current_timestamp - INTERVAL '7' DAY, '%Y/%m/%d/%H')
  AND staffer_id IS NOT NULL
GROUP BY staffer_id
HAVING count_if(NOT success) > 0
ORDER BY failures DESC, error_rate_pct DESC
LIMIT 20;
