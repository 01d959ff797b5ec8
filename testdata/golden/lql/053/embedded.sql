SELECT
  date_trunc('day', "logs"."timestamp") AS timestamp,
  max("logs"."request.headers.content_length") AS value
FROM
  "log_events_0" AS "logs"
GROUP BY
  1 ORDER BY 1 NULLS FIRST
-- params: 
