WITH a AS (
  SELECT
    'test'
  FROM
    `log_events_5` AS `t`
)
SELECT
  'test' AS `f0_`
FROM
  `a`
-- params: 
