SELECT
  `events`.`timestamp` AS `timestamp`,
  `events`.`id` AS `id`,
  `events`.`event_message` AS `event_message`
FROM
  `log_events_3` AS `events`
WHERE
  (`events`.`metadata`[SAFE_OFFSET(0)].`level` = @lql_0) AND (`events`.`timestamp` BETWEEN CAST(@lql_1 AS TIMESTAMP) AND CAST(@lql_2 AS TIMESTAMP)) ORDER BY `events`.`timestamp` DESC NULLS LAST LIMIT 100
-- params: lql_0, lql_1, lql_2
