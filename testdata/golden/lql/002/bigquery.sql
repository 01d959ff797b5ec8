SELECT
  `logs`.`timestamp` AS `timestamp`,
  `logs`.`id` AS `id`,
  `logs`.`event_message` AS `event_message`
FROM
  `log_events_0` AS `logs` ORDER BY `logs`.`timestamp` DESC NULLS LAST LIMIT 100
-- params: 
