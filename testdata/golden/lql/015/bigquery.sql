SELECT
  `logs`.`timestamp` AS `timestamp`,
  `logs`.`id` AS `id`,
  `logs`.`event_message` AS `event_message`
FROM
  `log_events_0` AS `logs`
WHERE
  (STRPOS(`logs`.`event_message`, @lql_0) > 0) AND (STRPOS(`logs`.`event_message`, @lql_1) > 0) AND (REGEXP_CONTAINS(`logs`.`metadata`[SAFE_OFFSET(0)].`context`[SAFE_OFFSET(0)].`address`, @lql_2)) AND (`logs`.`metadata`[SAFE_OFFSET(0)].`context`[SAFE_OFFSET(0)].`file` = @lql_3) AND (`logs`.`metadata`[SAFE_OFFSET(0)].`context`[SAFE_OFFSET(0)].`line_number` = CAST(@lql_4 AS INT64)) AND (`logs`.`timestamp` > CAST(@lql_5 AS TIMESTAMP)) AND (`logs`.`timestamp` <= CAST(@lql_6 AS TIMESTAMP)) AND (`logs`.`timestamp` < CAST(@lql_7 AS TIMESTAMP)) AND (`logs`.`timestamp` >= CAST(@lql_8 AS TIMESTAMP)) AND (`logs`.`timestamp` <= CAST(@lql_9 AS TIMESTAMP)) ORDER BY `logs`.`timestamp` DESC NULLS LAST LIMIT 100
-- params: lql_0, lql_1, lql_2, lql_3, lql_4, lql_5, lql_6, lql_7, lql_8, lql_9
