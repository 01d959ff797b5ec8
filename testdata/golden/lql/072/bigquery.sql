SELECT
  `errors`.`timestamp` AS `timestamp`,
  `errors`.`id` AS `id`,
  `errors`.`event_message` AS `event_message`
FROM
  `log_events_2` AS `errors` ORDER BY `errors`.`timestamp` DESC NULLS LAST LIMIT 100
-- params: 
