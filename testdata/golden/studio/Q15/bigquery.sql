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
  count(*) AS count
FROM
  postgres_logs
  CROSS JOIN UNNEST(metadata) AS m
  CROSS JOIN UNNEST(m.parsed) AS parsed
WHERE
  (parsed.application_name = 'pg_cron' OR event_message::TEXT LIKE '%cron job%')
-- params: project, iso_timestamp_start, iso_timestamp_end
