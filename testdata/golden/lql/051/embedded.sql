SELECT
  date_trunc('hour', "logs"."timestamp") AS timestamp,
  avg("logs"."metadata.latency") AS value
FROM
  "log_events_0" AS "logs"
GROUP BY
  1 ORDER BY 1 NULLS FIRST
-- params: 
