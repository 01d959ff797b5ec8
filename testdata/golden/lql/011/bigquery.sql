SELECT
  `logs`.`timestamp` AS `timestamp`,
  `logs`.`id` AS `id`,
  `logs`.`event_message` AS `event_message`
FROM
  `log_events_0` AS `logs`
WHERE
  (REGEXP_CONTAINS(`logs`.`event_message`, @lql_0)) AND (REGEXP_CONTAINS(`logs`.`event_message`, @lql_1)) AND (REGEXP_CONTAINS(`logs`.`event_message`, @lql_2)) ORDER BY `logs`.`timestamp` DESC NULLS LAST LIMIT 100
-- params: lql_0, lql_1, lql_2
