SELECT
  timestamp,
  id,
  event_message
FROM
  `log_events_0` AS `logs` ORDER BY timestamp DESC LIMIT 100
-- params: 
