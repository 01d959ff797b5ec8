SELECT
  date_trunc('hour', "logs"."timestamp") AS timestamp,
  avg(CASE WHEN ("logs"."body" #>> '{metadata,latency}') ~ '^[ \t]*[-+]?[0-9]+[ \t]*$' THEN CAST(("logs"."body" #>> '{metadata,latency}') AS BIGINT) END) AS value
FROM
  "log_events_0" AS "logs"
GROUP BY
  1 ORDER BY 1 NULLS FIRST
-- params: 
