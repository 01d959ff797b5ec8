SELECT
  TIMESTAMP_TRUNC(timestamp, HOUR) AS timestamp,
  AVG(`metadata`[SAFE_OFFSET(0)].`latency`) AS value
FROM
  `log_events_0` AS `logs`
GROUP BY
  1 ORDER BY 1
-- params: 
