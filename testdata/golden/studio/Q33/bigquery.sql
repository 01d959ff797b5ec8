WITH edge_logs AS (
  SELECT
    t.timestamp,
    t.id,
    t.event_message,
    t.metadata
  FROM
    `log_events_cloudflare_logs_prod` AS `t`
  WHERE
    CASE WHEN coalesce(@project, '') = '' THEN true ELSE coalesce(t.project, @project) = @project END AND CASE WHEN coalesce(@iso_timestamp_start, '') = '' THEN true ELSE t.timestamp > CAST(@iso_timestamp_start AS TIMESTAMP) END AND CASE WHEN coalesce(@iso_timestamp_end, '') = '' THEN true ELSE t.timestamp <= CAST(@iso_timestamp_end AS TIMESTAMP) END
)
SELECT
  CAST(timestamp AS DATETIME) AS timestamp,
  event_message
FROM
  edge_logs
  CROSS JOIN UNNEST(metadata) AS m
  CROSS JOIN UNNEST(m.request) AS r
WHERE
  `r`.path LIKE '%rest/v1%' ORDER BY 1 DESC LIMIT 100
-- params: project, iso_timestamp_start, iso_timestamp_end
