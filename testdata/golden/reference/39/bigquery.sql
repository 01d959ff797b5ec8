SELECT
  `logs`.`user_id` AS `user_id`
FROM
  `log_events_8` AS `logs`
-- params: 
