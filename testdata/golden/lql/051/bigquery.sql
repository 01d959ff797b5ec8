SELECT
  TIMESTAMP_TRUNC(`logs`.`timestamp`, HOUR) AS timestamp,
  AVG(`logs`.`metadata`[SAFE_OFFSET(0)].`latency`) AS value
FROM
  `log_events_0` AS `logs`
GROUP BY
  1 ORDER BY 1 NULLS FIRST
-- params: 
