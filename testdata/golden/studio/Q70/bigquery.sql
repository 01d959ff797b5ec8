WITH postgres_logs AS (
  SELECT
    t.timestamp,
    t.id,
    t.event_message,
    t.metadata
  FROM
    `log_events_postgres_logs` AS `t`
  WHERE
    CASE WHEN coalesce(@project, '') = '' THEN true ELSE coalesce(t.project, @project) = @project END AND CASE WHEN coalesce(@iso_timestamp_start, '') = '' THEN true ELSE t.timestamp > CAST(@iso_timestamp_start AS TIMESTAMP) END AND CASE WHEN coalesce(@iso_timestamp_end, '') = '' THEN true ELSE t.timestamp <= CAST(@iso_timestamp_end AS TIMESTAMP) END
)
SELECT
  id,
  timestamp,
  event_message,
  metadata[0].parsed[0].command_tag AS command_tag,
  metadata[0].parsed[0].user_name AS db_user
FROM
  postgres_logs
WHERE
  metadata[0].parsed[0].command_tag IN ('CREATE TABLE', 'DROP TABLE') ORDER BY timestamp DESC LIMIT 10
-- params: project, iso_timestamp_start, iso_timestamp_end
