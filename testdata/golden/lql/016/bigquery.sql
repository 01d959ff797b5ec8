SELECT
  `logs`.`timestamp` AS `timestamp`,
  `logs`.`id` AS `id`,
  `logs`.`event_message` AS `event_message`
FROM
  `log_events_0` AS `logs`
WHERE
  (`logs`.`timestamp` > CAST(@lql_0 AS TIMESTAMP)) AND (`logs`.`timestamp` >= CAST(@lql_1 AS TIMESTAMP)) AND (`logs`.`timestamp` < CAST(@lql_2 AS TIMESTAMP)) AND (`logs`.`timestamp` <= CAST(@lql_3 AS TIMESTAMP)) ORDER BY `logs`.`timestamp` DESC NULLS LAST LIMIT 100
-- params: lql_0, lql_1, lql_2, lql_3
