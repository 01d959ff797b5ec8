WITH edge_logs AS (
  SELECT
    t.timestamp
  FROM
    `log_events_6` AS `t`
)
SELECT
  timestamp_trunc(t.timestamp, day) AS timestamp
FROM
  edge_logs t
-- params: 
