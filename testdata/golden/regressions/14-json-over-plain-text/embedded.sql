SELECT
  CASE
    WHEN json_type(CASE WHEN json_valid("gotrue.logs.prod"."event_message") THEN CAST("gotrue.logs.prod"."event_message" AS JSON) END, '$.level') NOT IN ('OBJECT', 'ARRAY') THEN
      json_extract_string(CASE WHEN json_valid("gotrue.logs.prod"."event_message") THEN CAST("gotrue.logs.prod"."event_message" AS JSON) END, '$.level')
  END AS level,
  CASE
    WHEN json_type(CASE WHEN json_valid("gotrue.logs.prod"."event_message") THEN CAST("gotrue.logs.prod"."event_message" AS JSON) END, '$.msg') NOT IN ('OBJECT', 'ARRAY') THEN
      json_extract_string(CASE WHEN json_valid("gotrue.logs.prod"."event_message") THEN CAST("gotrue.logs.prod"."event_message" AS JSON) END, '$.msg')
  END AS msg,
  count(*) AS n
FROM
  "log_events_gotrue_logs_prod" AS "gotrue.logs.prod"
GROUP BY
  1, 2
-- params: 
