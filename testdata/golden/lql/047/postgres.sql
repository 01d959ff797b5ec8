SELECT
  date_trunc('minute', "logs"."timestamp") AS timestamp,
  sum(CASE WHEN ("logs"."body" #>> '{metadata,metric}') ~ '^[ \t]*[-+]?([0-9]+(\.[0-9]*)?|\.[0-9]+)([eE][-+]?[0-9]+)?[ \t]*$' THEN CAST(("logs"."body" #>> '{metadata,metric}') AS DOUBLE PRECISION) END) AS value
FROM
  "log_events_0" AS "logs"
GROUP BY
  1 ORDER BY 1 NULLS FIRST
-- params: 
