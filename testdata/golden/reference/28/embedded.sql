WITH edge_logs AS (
  SELECT
    "t"."timestamp" AS "timestamp"
  FROM
    "log_events_6" AS "t"
)
SELECT
  date_trunc('day', "t"."timestamp") AS timestamp
FROM
  edge_logs t
-- params: 
