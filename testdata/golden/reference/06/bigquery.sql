SELECT
  `m`.`nested` AS nested
FROM
  `log_events_0` AS `t`
  CROSS JOIN UNNEST(`t`.`metadata`) AS `m`
WHERE
  regexp_contains(`m`.`nested`, "val")
-- params: 
