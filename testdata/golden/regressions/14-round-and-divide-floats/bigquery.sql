SELECT
  round(avg(`gotrue_logs_prod`.`metadata`[SAFE_OFFSET(0)].`duration`) / 1000, 2) AS ms,
  trunc(max(`gotrue_logs_prod`.`metadata`[SAFE_OFFSET(0)].`duration`) / 7, 1) AS t,
  div(count(*), 2) AS half,
  log(count(*) + 1) AS l
FROM
  `log_events_gotrue_logs_prod` AS `gotrue_logs_prod`
-- params: 
