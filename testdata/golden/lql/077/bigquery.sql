SELECT
  timestamp,
  id,
  event_message
FROM
  `log_events_5` AS `_private_table` ORDER BY timestamp DESC LIMIT 100
-- params: 
