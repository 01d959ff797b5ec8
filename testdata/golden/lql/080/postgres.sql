SELECT
  date_trunc('minute', "logs"."timestamp") AS timestamp,
  count("logs"."timestamp") AS value
FROM
  "log_events_0" AS "logs"
WHERE
  (CASE WHEN ("logs"."body" #>> '{metadata,status}') ~ '^[ \t]*[-+]?[0-9]+[ \t]*$' THEN CAST(("logs"."body" #>> '{metadata,status}') AS BIGINT) END > CAST($1::TEXT AS BIGINT))
GROUP BY
  1 ORDER BY 1 NULLS FIRST
-- params: lql_0
