SELECT timestamp, `event_message` AS `event_message`, `metadata`.`user_id` AS `metadata_user_id` FROM `logs` ORDER BY timestamp DESC LIMIT 100
-- params: 
