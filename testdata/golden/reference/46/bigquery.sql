WITH auth_logs AS (
  SELECT
    t.timestamp,
    t.id,
    t.event_message,
    t.metadata
  FROM
    `log_events_11` AS `t`
    CROSS JOIN UNNEST(metadata) AS m
  WHERE
    t.project = 'test'
)
SELECT
  id,
  auth_logs.timestamp,
  event_message,
  `metadata__unnested`.level,
  NULL AS status,
  `metadata__unnested`.msg
FROM
  auth_logs
  CROSS JOIN UNNEST(metadata) AS `metadata__unnested` ORDER BY timestamp DESC LIMIT 100
-- params: 
