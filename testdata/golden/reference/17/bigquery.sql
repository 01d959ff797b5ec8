WITH a AS (
  SELECT
    'test' AS col
  FROM
    `log_events_1` AS `t` ORDER BY CAST(`t`.`my_col` AS TIMESTAMP) DESC NULLS LAST
)
SELECT
  a.col AS `col`
FROM
  a
-- params: 
