SELECT
  timestamp,
  `metadata`.`user`.`id` AS `user_id`
FROM
  `log_events_0` AS `logs` ORDER BY timestamp DESC LIMIT 100
-- params: 
