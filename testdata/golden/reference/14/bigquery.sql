WITH a AS (
  SELECT
    'test' AS col
)
SELECT
  a.col AS `col`
FROM
  a
-- params: 
