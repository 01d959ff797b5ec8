SELECT
  `logs`.`timestamp` AS `timestamp`,
  `logs`.`id` AS `id`,
  `logs`.`event_message` AS `event_message`
FROM
  `log_events_0` AS `logs`
WHERE
  (`logs`.`metadata`[SAFE_OFFSET(0)].`int` IS NULL OR NOT (`logs`.`metadata`[SAFE_OFFSET(0)].`int` >= CAST(@lql_0 AS INT64))) AND (`logs`.`metadata`[SAFE_OFFSET(0)].`str` IS NULL OR NOT (REGEXP_CONTAINS(`logs`.`metadata`[SAFE_OFFSET(0)].`str`, @lql_1))) AND (`logs`.`timestamp` IS NULL OR NOT (`logs`.`timestamp` BETWEEN CAST(@lql_2 AS TIMESTAMP) AND CAST(@lql_3 AS TIMESTAMP))) ORDER BY `logs`.`timestamp` DESC NULLS LAST LIMIT 100
-- params: lql_0, lql_1, lql_2, lql_3
