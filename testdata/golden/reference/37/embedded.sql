WITH logs AS (
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
    "log_events_4" AS "t"
  WHERE
    "t"."metadata" IS NOT NULL
)
SELECT
  "logs"."event_message" AS "event_message",
  "logs"."metadata.request.method" AS "method",
  NULL AS "path",
  NULL AS "status_code"
FROM
  logs
WHERE
  "logs"."metadata" IS NOT NULL AND "logs"."metadata.request" IS NOT NULL AND false
-- params: 
