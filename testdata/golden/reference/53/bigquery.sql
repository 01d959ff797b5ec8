SELECT
  NULL AS `field1`,
  NULL AS `field2`
FROM
  `log_events_12` AS `t`
  CROSS JOIN UNNEST(`t`.`metadata`) AS `m`
WHERE
  CAST(NULL AS STRING) = 'value'
-- params: 
