WITH a AS (
  SELECT
    'test' AS col
)
SELECT
  a.col
FROM
  a
-- params: 
