SELECT
  date_trunc('minute', "logs"."timestamp") AS timestamp,
  count("logs"."timestamp") AS value
FROM
  "log_events_0" AS "logs"
GROUP BY
  1 ORDER BY 1 NULLS FIRST
-- params: 
