SELECT
  CAST(round(CAST(CAST(avg(CASE WHEN ("gotrue.logs.prod"."body" #>> '{metadata,duration}') ~ '^[ \t]*[-+]?[0-9]+[ \t]*$' THEN CAST(("gotrue.logs.prod"."body" #>> '{metadata,duration}') AS BIGINT) END) AS DOUBLE PRECISION) / 1000 AS NUMERIC), 2) AS DOUBLE PRECISION) AS ms,
  CAST(trunc(CAST(CAST(max(CASE WHEN ("gotrue.logs.prod"."body" #>> '{metadata,duration}') ~ '^[ \t]*[-+]?[0-9]+[ \t]*$' THEN CAST(("gotrue.logs.prod"."body" #>> '{metadata,duration}') AS BIGINT) END) AS DOUBLE PRECISION) / 7 AS NUMERIC), 1) AS DOUBLE PRECISION) AS t,
  CAST(div(CAST(count(*) AS NUMERIC), CAST(2 AS NUMERIC)) AS BIGINT) AS half,
  ln(count(*) + 1) AS l
FROM
  "log_events_gotrue_logs_prod" AS "gotrue.logs.prod"
-- params: 
