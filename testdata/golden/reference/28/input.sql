with edge_logs as (select t.timestamp from `cloudflare.logs.prod` t) select timestamp_trunc(t.timestamp, day) as timestamp from edge_logs t
