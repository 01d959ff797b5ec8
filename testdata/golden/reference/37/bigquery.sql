WITH logs AS (
  SELECT
    t.timestamp,
    t.id,
    t.event_message,
    t.metadata
  FROM
    `log_events_4` AS `t`
    CROSS JOIN UNNEST(metadata) AS m
)
SELECT
  event_message,
  request.method,
  NULL AS path,
  NULL AS status_code
FROM
  logs
  CROSS JOIN UNNEST(metadata) AS m
  CROSS JOIN UNNEST(m.request) AS request
  CROSS JOIN UNNEST([]) AS response
-- params: 
