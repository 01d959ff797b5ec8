SELECT
  timestamp,
  `event_message` AS `event_message`,
  `metadata`[SAFE_OFFSET(0)].`user_id` AS `metadata_user_id`
FROM
  `log_events_0` AS `logs` ORDER BY timestamp DESC LIMIT 100
-- params: 
