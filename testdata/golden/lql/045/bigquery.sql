SELECT
  `logs`.`timestamp` AS `timestamp`,
  `logs`.`id` AS `id`,
  `logs`.`event_message` AS `event_message`
FROM
  `log_events_0` AS `logs`
WHERE
  (`logs`.`metadata`[SAFE_OFFSET(0)].`metric` < CAST(@lql_0 AS FLOAT64)) AND (`logs`.`metadata`[SAFE_OFFSET(0)].`user` BETWEEN @lql_1 AND @lql_2) ORDER BY `logs`.`timestamp` DESC NULLS LAST LIMIT 100
-- params: lql_0, lql_1, lql_2
