SELECT
  SAFE.json_value(`gotrue_logs_prod`.`event_message`, '$.level') AS level,
  SAFE.json_extract_scalar(`gotrue_logs_prod`.`event_message`, '$.msg') AS msg,
  count(*) AS n
FROM
  `log_events_gotrue_logs_prod` AS `gotrue_logs_prod`
GROUP BY
  1, 2
-- params: 
