WITH a AS (
  SELECT
    'test' AS col
  FROM
    "log_events_1" AS "t"
  WHERE
    (("t"."body" #>> '{metadata,project}') = '123') AND jsonb_typeof("t"."body" #> '{metadata}') = 'object'
)
SELECT
  a.col AS "col"
FROM
  a
-- params: 
