SELECT
  `t`.`test` AS `test`,
  `m`.`nested` AS `nested`
FROM
  `log_events_0` AS `t`
  CROSS JOIN UNNEST(`t`.`metadata`) AS `m`
WHERE
  `m`.`nested` IS NOT NULL
-- params: 
