SELECT
  id,
  timestamp,
  event_message,
  metadata
FROM
  `log_events_10` AS `auth_logs`
WHERE
  timestamp > TIMESTAMP('2025-01-01')
-- params: 
