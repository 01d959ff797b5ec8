SELECT
  format_timestamp('%Y-%m-%dT%H:%M:%E3SZ', timestamp) AS iso,
  format_timestamp('%e %b %k:%M', timestamp) AS short,
  EXTRACT(DAYOFWEEK FROM timestamp) AS dow,
  unix_millis(timestamp) AS ms,
  timestamp_diff(current_timestamp(), timestamp, minute) AS age
FROM
  `log_events_cloudflare_logs_prod` AS `cloudflare.logs.prod`
-- params: 
