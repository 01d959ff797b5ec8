SELECT
  `_private_table`.`timestamp` AS `timestamp`,
  `_private_table`.`id` AS `id`,
  `_private_table`.`event_message` AS `event_message`
FROM
  `log_events_5` AS `_private_table` ORDER BY `_private_table`.`timestamp` DESC NULLS LAST LIMIT 100
-- params: 
