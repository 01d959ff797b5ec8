WITH a AS (
  SELECT
    'test' AS col
  FROM
    `log_events_1` AS `t`
    CROSS JOIN UNNEST(`t`.`metadata`) AS `m`
)
SELECT
  a.col AS `col`
FROM
  a
-- params: 
