SELECT
  timestamp,
  id,
  event_message
FROM
  `log_events_1` AS `my_table` ORDER BY timestamp DESC LIMIT 100
-- params: 
