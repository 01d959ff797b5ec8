SELECT
  SAFE.json_value(event_message, '$.level') AS level,
  SAFE.json_extract_scalar(event_message, '$.msg') AS msg,
  count(*) AS n
FROM
  `log_events_gotrue_logs_prod` AS `gotrue.logs.prod`
GROUP BY
  1, 2
-- params: 
