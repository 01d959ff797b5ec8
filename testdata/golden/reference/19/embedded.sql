WITH a AS (
  SELECT
    'test' AS col
  FROM
    "log_events_1" AS "t"
  WHERE
    ("t"."metadata.project" = '123') AND "t"."metadata" IS NOT NULL
)
SELECT
  a.col AS "col"
FROM
  a
-- params: 
