SELECT
  `my_table_123`.`timestamp` AS `timestamp`,
  `my_table_123`.`id` AS `id`,
  `my_table_123`.`event_message` AS `event_message`
FROM
  `log_events_4` AS `my_table_123` ORDER BY `my_table_123`.`timestamp` DESC NULLS LAST LIMIT 100
-- params: 
