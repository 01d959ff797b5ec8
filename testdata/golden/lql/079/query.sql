SELECT timestamp, `metadata`.`user`.`id` AS `user_id` FROM `logs` ORDER BY timestamp DESC LIMIT 100
-- params: 
