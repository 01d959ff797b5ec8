WITH logs AS (
  SELECT
    "t"."timestamp" AS "timestamp",
    "t"."id" AS "id",
    "t"."event_message" AS "event_message",
    "t"."body" AS "body"
  FROM
    "log_events_4" AS "t"
  WHERE
    jsonb_typeof("t"."body" #> '{metadata}') = 'object'
)
SELECT
  "logs"."event_message" AS "event_message",
  ("logs"."body" #>> '{metadata,request,method}') AS "method",
  NULL AS "path",
  NULL AS "status_code"
FROM
  logs
WHERE
  jsonb_typeof("logs"."body" #> '{metadata}') = 'object' AND jsonb_typeof("logs"."body" #> '{metadata,request}') = 'object' AND false
-- params: 
