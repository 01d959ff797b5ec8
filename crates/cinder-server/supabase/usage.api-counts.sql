-- usage.api-counts: API requests per bucket for Studio's home-page usage charts.
--
-- `@interval` is what Studio sends: `1hr`, `1day`, `7day` (current Studio) or `minutely`,
-- `hourly`, `daily` (older Studio). Self-hosted Kong events have a request path but no URL:
-- the project filter applies only to events that carry a URL or a project.
with
since as (
  select
    case @interval
      when '1hr' then timestamp_sub(current_timestamp(), interval 1 hour)
      when 'minutely' then timestamp_sub(current_timestamp(), interval 60 minute)
      when 'hourly' then timestamp_sub(current_timestamp(), interval 1 hour)
      when '1day' then timestamp_sub(current_timestamp(), interval 1 day)
      when '7day' then timestamp_sub(current_timestamp(), interval 7 day)
      when 'daily' then timestamp_sub(current_timestamp(), interval 7 day)
    end as start
),
requests as (
  select
    case
      when @interval in ('1hr', 'minutely') then timestamp_trunc(t.timestamp, minute)
      when @interval in ('1day', 'hourly') then timestamp_trunc(t.timestamp, hour)
      else timestamp_trunc(t.timestamp, day)
    end as bucket,
    t.metadata.request.path as path
  from `cloudflare.logs.prod` as t
  cross join since
  where t.timestamp >= since.start
    and (t.metadata.request.url is null or coalesce(@project, '') = ''
         or regexp_contains(t.metadata.request.url, @project))
    and (t.project is null or coalesce(@project, '') = '' or t.project = @project)
)
select
  datetime(bucket, 'UTC') as timestamp,
  countif(regexp_contains(path, '/rest')) as total_rest_requests,
  countif(regexp_contains(path, '/storage')) as total_storage_requests,
  countif(regexp_contains(path, '/auth')) as total_auth_requests,
  countif(regexp_contains(path, '/realtime')) as total_realtime_requests
from requests
group by bucket
order by bucket asc
