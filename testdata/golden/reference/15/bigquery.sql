WITH a AS (
  SELECT
    'test'
  FROM
    `log_events_5` AS `t`
)
SELECT
  'test'
FROM
  `a`
-- params: 
