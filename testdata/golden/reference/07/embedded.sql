WITH data AS (
  SELECT
    "c.d.e"."metadata" AS "metadata",
    "c.d.e"."metadata.deep" AS "metadata.deep",
    "c.d.e"."metadata.deep.even" AS "metadata.deep.even",
    "c.d.e"."metadata.level" AS "metadata.level",
    "c.d.e"."metadata.msg" AS "metadata.msg",
    "c.d.e"."metadata.nested" AS "metadata.nested",
    "c.d.e"."metadata.num" AS "metadata.num",
    "c.d.e"."metadata.project" AS "metadata.project",
    "c.d.e"."metadata.request" AS "metadata.request",
    "c.d.e"."metadata.request.method" AS "metadata.request.method",
    "c.d.e"."__ROOT__" AS "__ROOT__"
  FROM
    "log_events_0" AS "c.d.e"
)
SELECT
  NULL AS nested
FROM
  data t
WHERE
  (regexp_matches(NULL, 'deep')) AND false
-- params: 
