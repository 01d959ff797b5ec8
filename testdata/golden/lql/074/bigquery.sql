SELECT
  TIMESTAMP_TRUNC(`errors`.`timestamp`, MINUTE) AS timestamp,
  COUNT(`errors`.`timestamp`) AS value
FROM
  `log_events_2` AS `errors`
GROUP BY
  1 ORDER BY 1 NULLS FIRST
-- params: 
