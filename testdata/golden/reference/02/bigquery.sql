SELECT
  count(`t`.`id`) AS count
FROM
  `log_events_0` AS `t`
  CROSS JOIN UNNEST(`t`.`metadata`) AS `m`
WHERE
  `m`.`num` > 100
-- params: 
