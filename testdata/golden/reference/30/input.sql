with edge_logs as (select t.id from `cloudflare.logs.prod` t) select t.id as id from edge_logs t where t.id = '123'
