WITH postgres_logs AS (
  SELECT
    t.timestamp,
    t.event_message
  FROM
    `log_events_12` AS `t`
  WHERE
    t.project = 'test'
)
SELECT
  event_message
FROM
  postgres_logs
WHERE
  REGEXP_CONTAINS(event_message, 'cron job')
-- params: 
