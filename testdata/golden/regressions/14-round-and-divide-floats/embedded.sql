SELECT
  CAST(round(avg("gotrue.logs.prod"."metadata.duration") / 1000, 2) AS DOUBLE) AS ms,
  CAST(trunc(CAST(max("gotrue.logs.prod"."metadata.duration") / 7 AS DOUBLE) * pow(10, 1)) / pow(10, 1) AS DOUBLE) AS t,
  CAST(CAST(count(*) AS BIGINT) // CAST(2 AS BIGINT) AS BIGINT) AS half,
  ln(count(*) + 1) AS l
FROM
  "log_events_gotrue_logs_prod" AS "gotrue.logs.prod"
-- params: 
