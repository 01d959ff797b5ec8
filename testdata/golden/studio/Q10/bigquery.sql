WITH pg_upgrade_logs AS (
  SELECT
    t.timestamp,
    t.id,
    t.event_message,
    t.metadata
  FROM
    `log_events_postgres_logs` AS `t`
  WHERE
    false AND t.timestamp IS NULL
)
SELECT
  id,
  pg_upgrade_logs.timestamp,
  event_message
FROM
  pg_upgrade_logs ORDER BY timestamp DESC LIMIT 100
-- params: 
