SELECT
  TIMESTAMP_TRUNC(`logs`.`timestamp`, DAY) AS timestamp,
  MAX(`logs`.`request`[SAFE_OFFSET(0)].`headers`[SAFE_OFFSET(0)].`content_length`) AS value
FROM
  `log_events_0` AS `logs`
GROUP BY
  1 ORDER BY 1 NULLS FIRST
-- params: 
