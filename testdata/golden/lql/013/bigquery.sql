SELECT
  `logs`.`timestamp` AS `timestamp`,
  `logs`.`id` AS `id`,
  `logs`.`event_message` AS `event_message`
FROM
  `log_events_0` AS `logs`
WHERE
  (`logs`.`metadata`[SAFE_OFFSET(0)].`float` BETWEEN CAST(@lql_0 AS FLOAT64) AND CAST(@lql_1 AS FLOAT64)) AND (`logs`.`metadata`[SAFE_OFFSET(0)].`int` BETWEEN CAST(@lql_2 AS INT64) AND CAST(@lql_3 AS INT64)) ORDER BY `logs`.`timestamp` DESC NULLS LAST LIMIT 100
-- params: lql_0, lql_1, lql_2, lql_3
