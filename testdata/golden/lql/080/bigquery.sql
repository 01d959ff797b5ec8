SELECT
  TIMESTAMP_TRUNC(`logs`.`timestamp`, MINUTE) AS timestamp,
  COUNT(`logs`.`timestamp`) AS value
FROM
  `log_events_0` AS `logs`
WHERE
  (`logs`.`metadata`[SAFE_OFFSET(0)].`status` > CAST(@lql_0 AS INT64))
GROUP BY
  1 ORDER BY 1 NULLS FIRST
-- params: lql_0
