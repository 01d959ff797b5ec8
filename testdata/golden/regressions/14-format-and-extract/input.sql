-- #14: FORMAT_TIMESTAMP elements and EXTRACT with BigQuery's day numbering.
select format_timestamp('%Y-%m-%dT%H:%M:%E3SZ', timestamp) as iso, format_timestamp('%e %b %k:%M', timestamp) as short,
  extract(dayofweek from timestamp) as dow, unix_millis(timestamp) as ms, timestamp_diff(current_timestamp(), timestamp, minute) as age
from `cloudflare.logs.prod`
