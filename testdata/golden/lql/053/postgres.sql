SELECT
  date_trunc('day', "logs"."timestamp") AS timestamp,
  max(CASE WHEN ("logs"."body" #>> '{request,headers,content_length}') ~ '^[ \t]*[-+]?[0-9]+[ \t]*$' THEN CAST(("logs"."body" #>> '{request,headers,content_length}') AS BIGINT) END) AS value
FROM
  "log_events_0" AS "logs"
GROUP BY
  1 ORDER BY 1 NULLS FIRST
-- params: 
