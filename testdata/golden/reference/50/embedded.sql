WITH logs AS (
  SELECT
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
    "log_events_12" AS "t"
  WHERE
    "t"."metadata" IS NOT NULL
)
SELECT
  NULL AS "field"
FROM
  logs
-- params: 
