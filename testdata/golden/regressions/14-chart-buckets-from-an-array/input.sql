-- #14: a chart's empty buckets filled from an array the query builds.
with counts as (
  select timestamp_trunc(t.timestamp, hour) as hour, count(*) as n
  from `cloudflare.logs.prod` t
  group by hour
)
select ts, ifnull(c.n, 0) as n
from unnest(generate_timestamp_array(timestamp '2026-06-01 09:00:00', timestamp '2026-06-01 12:00:00', interval 1 hour)) as ts
left join counts c on c.hour = ts
order by ts
