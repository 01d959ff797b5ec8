WITH auth_logs AS (
  SELECT
    t.timestamp,
    t.id,
    t.event_message,
    t.metadata
  FROM
    `log_events_gotrue_logs_prod` AS `t`
  WHERE
    CASE WHEN coalesce(@project, '') = '' THEN true ELSE coalesce(t.project, @project) = @project END AND CASE WHEN coalesce(@iso_timestamp_start, '') = '' THEN true ELSE t.timestamp > CAST(@iso_timestamp_start AS TIMESTAMP) END AND CASE WHEN coalesce(@iso_timestamp_end, '') = '' THEN true ELSE t.timestamp <= CAST(@iso_timestamp_end AS TIMESTAMP) END
)
SELECT
  id,
  auth_logs.timestamp,
  event_message,
  `metadata__unnested`.level,
  `metadata__unnested`.status,
  `metadata__unnested`.path,
  `metadata__unnested`.msg AS msg,
  `metadata__unnested`.error
FROM
  auth_logs
  CROSS JOIN UNNEST(metadata) AS `metadata__unnested` ORDER BY timestamp DESC LIMIT 100
-- params: project, iso_timestamp_start, iso_timestamp_end
