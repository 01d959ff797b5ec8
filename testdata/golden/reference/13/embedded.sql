WITH test AS (
  SELECT
    "mytable"."id" AS "id",
    "mytable"."metadata" AS "metadata",
    "mytable"."metadata.deep" AS "metadata.deep",
    "mytable"."metadata.deep.even" AS "metadata.deep.even",
    "mytable"."metadata.level" AS "metadata.level",
    "mytable"."metadata.msg" AS "metadata.msg",
    "mytable"."metadata.nested" AS "metadata.nested",
    "mytable"."metadata.num" AS "metadata.num",
    "mytable"."metadata.project" AS "metadata.project",
    "mytable"."metadata.request" AS "metadata.request",
    "mytable"."metadata.request.method" AS "metadata.request.method",
    "mytable"."__ROOT__" AS "__ROOT__"
  FROM
    "log_events_2" AS "mytable"
)
SELECT
  "test"."id" AS "id",
  json_extract("test"."__ROOT__", '$.metadata.request') AS "request"
FROM
  test
-- params: 
