SELECT
  regexp_contains(`m`.`nested`, "val") AS has_substring
FROM
  `log_events_0` AS `t`
  CROSS JOIN UNNEST(`t`.`metadata`) AS `m`
-- params: 
