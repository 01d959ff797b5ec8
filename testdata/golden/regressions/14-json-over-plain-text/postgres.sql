SELECT
  CASE
    WHEN jsonb_typeof(cinder_try_jsonb(CAST("gotrue.logs.prod"."event_message" AS TEXT)) #> '{level}') NOT IN ('object', 'array') THEN
      cinder_try_jsonb(CAST("gotrue.logs.prod"."event_message" AS TEXT)) #>> '{level}'
  END AS level,
  CASE
    WHEN jsonb_typeof(cinder_try_jsonb(CAST("gotrue.logs.prod"."event_message" AS TEXT)) #> '{msg}') NOT IN ('object', 'array') THEN
      cinder_try_jsonb(CAST("gotrue.logs.prod"."event_message" AS TEXT)) #>> '{msg}'
  END AS msg,
  count(*) AS n
FROM
  "log_events_gotrue_logs_prod" AS "gotrue.logs.prod"
GROUP BY
  1, 2
-- params: 
