WITH supavisor_logs AS (
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
  supavisor_logs.timestamp,
  event_message
FROM
  supavisor_logs
  CROSS JOIN UNNEST(metadata) AS m ORDER BY timestamp DESC LIMIT 100
-- params: 
