SELECT
  `logs`.`timestamp` AS `timestamp`,
  `logs`.`id` AS `id`,
  `logs`.`event_message` AS `event_message`
FROM
  `log_events_0` AS `logs`
WHERE
  (`logs`.`metadata`[SAFE_OFFSET(0)].`isAllowed` = CAST(@lql_0 AS BOOL)) AND (`logs`.`metadata`[SAFE_OFFSET(0)].`isAllowed` = CAST(@lql_1 AS BOOL)) ORDER BY `logs`.`timestamp` DESC NULLS LAST LIMIT 100
-- params: lql_0, lql_1
