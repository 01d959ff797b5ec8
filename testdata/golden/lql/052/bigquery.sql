SELECT
  TIMESTAMP_TRUNC(`logs`.`timestamp`, MINUTE) AS timestamp,
  SUM(`logs`.`my_field`[SAFE_OFFSET(0)].`nested`[SAFE_OFFSET(0)].`value`) AS value
FROM
  `log_events_0` AS `logs`
GROUP BY
  1 ORDER BY 1 NULLS FIRST
-- params: 
