WITH auth_logs AS (
  SELECT
    "t"."timestamp" AS "timestamp",
    "t"."id" AS "id",
    "t"."event_message" AS "event_message",
    "t"."body" AS "body"
  FROM
    "log_events_11" AS "t"
  WHERE
    (("t"."body" #>> '{project}') = 'test') AND jsonb_typeof("t"."body" #> '{metadata}') = 'object'
)
SELECT
  "auth_logs"."id" AS "id",
  "auth_logs"."timestamp" AS "timestamp",
  "auth_logs"."event_message" AS "event_message",
  ("auth_logs"."body" #>> '{metadata,level}') AS "level",
  NULL AS "status",
  ("auth_logs"."body" #>> '{metadata,msg}') AS "msg"
FROM
  auth_logs
WHERE
  jsonb_typeof("auth_logs"."body" #> '{metadata}') = 'object' ORDER BY "auth_logs"."timestamp" DESC NULLS LAST LIMIT 100
-- params: 
