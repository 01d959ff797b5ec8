WITH auth_logs AS (
  SELECT
    "t"."timestamp" AS "timestamp",
    "t"."id" AS "id",
    "t"."event_message" AS "event_message",
    "t"."metadata" AS "metadata",
    "t"."metadata.deep" AS "metadata.deep",
    "t"."metadata.deep.even" AS "metadata.deep.even",
    "t"."metadata.level" AS "metadata.level",
    "t"."metadata.msg" AS "metadata.msg",
    "t"."metadata.nested" AS "metadata.nested",
    "t"."metadata.num" AS "metadata.num",
    "t"."metadata.project" AS "metadata.project",
    "t"."metadata.request" AS "metadata.request",
    "t"."metadata.request.method" AS "metadata.request.method",
    "t"."__ROOT__" AS "__ROOT__"
  FROM
    "log_events_11" AS "t"
  WHERE
    ("t"."project" = 'test') AND "t"."metadata" IS NOT NULL
)
SELECT
  "auth_logs"."id" AS "id",
  "auth_logs"."timestamp" AS "timestamp",
  "auth_logs"."event_message" AS "event_message",
  "auth_logs"."metadata.level" AS "level",
  NULL AS "status",
  "auth_logs"."metadata.msg" AS "msg"
FROM
  auth_logs
WHERE
  "auth_logs"."metadata" IS NOT NULL ORDER BY "auth_logs"."timestamp" DESC NULLS LAST LIMIT 100
-- params: 
