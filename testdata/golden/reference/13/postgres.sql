WITH test AS (
  SELECT
    "mytable"."id" AS "id",
    "mytable"."body" AS "body"
  FROM
    "log_events_2" AS "mytable"
)
SELECT
  "test"."id" AS "id",
  ("test"."body" #> '{metadata,request}') AS "request"
FROM
  test
-- params: 
