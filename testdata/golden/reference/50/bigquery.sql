WITH logs AS (
  SELECT
    `t`.`metadata` AS `metadata`
  FROM
    `log_events_12` AS `t`
    CROSS JOIN UNNEST(`t`.`metadata`) AS `m`
)
SELECT
  NULL AS `field`
FROM
  logs
-- params: 
