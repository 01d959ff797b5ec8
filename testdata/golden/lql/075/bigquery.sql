SELECT
  `logs`.`timestamp` AS `timestamp`,
  `logs`.`event_message` AS `event_message`,
  `logs`.`metadata`[SAFE_OFFSET(0)].`user_id` AS `metadata_user_id`
FROM
  `log_events_0` AS `logs` ORDER BY `logs`.`timestamp` DESC NULLS LAST LIMIT 100
-- params: 
