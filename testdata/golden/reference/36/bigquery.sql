SELECT
  count(CASE WHEN (`req`.`method` IN ('GET', 'POST')) THEN 1 END) AS count
FROM
  `log_events_4` AS `t`
  CROSS JOIN UNNEST(`t`.`metadata`) AS `m`
  CROSS JOIN UNNEST(`m`.`request`) AS `req`
-- params: 
