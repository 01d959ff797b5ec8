SELECT
  timestamp,
  id,
  event_message
FROM
  `log_events_2` AS `errors` ORDER BY timestamp DESC LIMIT 100
-- params: 
