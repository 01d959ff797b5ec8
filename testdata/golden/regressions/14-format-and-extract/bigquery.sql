SELECT
  format_timestamp('%Y-%m-%dT%H:%M:%E3SZ', `cloudflare_logs_prod`.`timestamp`) AS iso,
  format_timestamp('%e %b %k:%M', `cloudflare_logs_prod`.`timestamp`) AS short,
  EXTRACT(DAYOFWEEK FROM `cloudflare_logs_prod`.`timestamp`) AS dow,
  unix_millis(`cloudflare_logs_prod`.`timestamp`) AS ms,
  timestamp_diff(current_timestamp(), `cloudflare_logs_prod`.`timestamp`, MINUTE) AS age
FROM
  `log_events_cloudflare_logs_prod` AS `cloudflare_logs_prod`
-- params: 
