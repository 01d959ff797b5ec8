WITH auth_audit_logs AS (
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
  CAST(timestamp AS DATETIME) AS timestamp,
  event_message,
  metadata
FROM
  auth_audit_logs LIMIT 10
-- params: 
