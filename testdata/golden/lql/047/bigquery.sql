SELECT
  TIMESTAMP_TRUNC(`logs`.`timestamp`, MINUTE) AS timestamp,
  SUM(`logs`.`metadata`[SAFE_OFFSET(0)].`metric`) AS value
FROM
  `log_events_0` AS `logs`
GROUP BY
  1 ORDER BY 1 NULLS FIRST
-- params: 
