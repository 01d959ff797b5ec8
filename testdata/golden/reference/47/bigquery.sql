WITH x AS (
  SELECT
    NULL AS `a`
  FROM
    `log_events_13` AS `t`
  UNION
  SELECT
    NULL AS `b`
  FROM
    `log_events_14` AS `t2`
)
SELECT
  c AS `c`
FROM
  x
-- params: 
