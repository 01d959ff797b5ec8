WITH a AS (
  SELECT
    'test' AS col
), b AS (
  SELECT
    'btest' AS other
  FROM
    a,
    "log_events_1" AS "t"
  WHERE
    a.col = "t"."my_col"
)
SELECT
  a.col AS "col"
FROM
  a
-- params: 
