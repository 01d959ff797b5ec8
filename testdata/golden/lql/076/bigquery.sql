SELECT
  timestamp,
  id,
  event_message
FROM
  `log_events_4` AS `my_table_123` ORDER BY timestamp DESC LIMIT 100
-- params: 
