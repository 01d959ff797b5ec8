-- logs.all: Supabase Studio's log tables, one CTE per service.
--
-- Studio runs its own query over these CTEs as `sql=` (the endpoint is sandboxable), with
-- `@project` and optional `@iso_timestamp_start` / `@iso_timestamp_end`: an empty or missing
-- bound means unbounded. Self-hosted events say `project: "default"` where Vector sets it, and
-- nothing elsewhere: an event that names no project belongs to every project.
--
-- Each CTE has the columns Studio reads: timestamp, id, event_message, metadata.
with
edge_logs as (
  select t.timestamp, t.id, t.event_message, t.metadata
  from `cloudflare.logs.prod` as t
  where case when coalesce(@project, '') = '' then true else coalesce(t.project, @project) = @project end
    and case when coalesce(@iso_timestamp_start, '') = '' then true
             else t.timestamp > cast(@iso_timestamp_start as timestamp) end
    and case when coalesce(@iso_timestamp_end, '') = '' then true
             else t.timestamp <= cast(@iso_timestamp_end as timestamp) end
),
postgres_logs as (
  select t.timestamp, t.id, t.event_message, t.metadata
  from `postgres.logs` as t
  where case when coalesce(@project, '') = '' then true else coalesce(t.project, @project) = @project end
    and case when coalesce(@iso_timestamp_start, '') = '' then true
             else t.timestamp > cast(@iso_timestamp_start as timestamp) end
    and case when coalesce(@iso_timestamp_end, '') = '' then true
             else t.timestamp <= cast(@iso_timestamp_end as timestamp) end
),
function_edge_logs as (
  select t.timestamp, t.id, t.event_message, t.metadata
  from `deno-relay-logs` as t
  where case when coalesce(@project, '') = '' then true else coalesce(t.metadata.project_ref, @project) = @project end
    and case when coalesce(@iso_timestamp_start, '') = '' then true
             else t.timestamp > cast(@iso_timestamp_start as timestamp) end
    and case when coalesce(@iso_timestamp_end, '') = '' then true
             else t.timestamp <= cast(@iso_timestamp_end as timestamp) end
),
function_logs as (
  select t.timestamp, t.id, t.event_message, t.metadata
  from `deno-subhosting-events` as t
  where case when coalesce(@project, '') = '' then true else coalesce(t.metadata.project_ref, @project) = @project end
    and case when coalesce(@iso_timestamp_start, '') = '' then true
             else t.timestamp > cast(@iso_timestamp_start as timestamp) end
    and case when coalesce(@iso_timestamp_end, '') = '' then true
             else t.timestamp <= cast(@iso_timestamp_end as timestamp) end
),
auth_logs as (
  select t.timestamp, t.id, t.event_message, t.metadata
  from `gotrue.logs.prod` as t
  where case when coalesce(@project, '') = '' then true else coalesce(t.project, @project) = @project end
    and case when coalesce(@iso_timestamp_start, '') = '' then true
             else t.timestamp > cast(@iso_timestamp_start as timestamp) end
    and case when coalesce(@iso_timestamp_end, '') = '' then true
             else t.timestamp <= cast(@iso_timestamp_end as timestamp) end
),
realtime_logs as (
  select t.timestamp, t.id, t.event_message, t.metadata
  from `realtime.logs.prod` as t
  where case when coalesce(@project, '') = '' then true else coalesce(t.metadata.project, @project) = @project end
    and case when coalesce(@iso_timestamp_start, '') = '' then true
             else t.timestamp > cast(@iso_timestamp_start as timestamp) end
    and case when coalesce(@iso_timestamp_end, '') = '' then true
             else t.timestamp <= cast(@iso_timestamp_end as timestamp) end
),
storage_logs as (
  select t.timestamp, t.id, t.event_message, t.metadata
  from `storage.logs.prod.2` as t
  where case when coalesce(@project, '') = '' then true else coalesce(t.metadata.project, @project) = @project end
    and case when coalesce(@iso_timestamp_start, '') = '' then true
             else t.timestamp > cast(@iso_timestamp_start as timestamp) end
    and case when coalesce(@iso_timestamp_end, '') = '' then true
             else t.timestamp <= cast(@iso_timestamp_end as timestamp) end
),
postgrest_logs as (
  select t.timestamp, t.id, t.event_message, t.metadata
  from `postgREST.logs.prod` as t
  where case when coalesce(@project, '') = '' then true else coalesce(t.project, @project) = @project end
    and case when coalesce(@iso_timestamp_start, '') = '' then true
             else t.timestamp > cast(@iso_timestamp_start as timestamp) end
    and case when coalesce(@iso_timestamp_end, '') = '' then true
             else t.timestamp <= cast(@iso_timestamp_end as timestamp) end
),
pgbouncer_logs as (
  select t.timestamp, t.id, t.event_message, t.metadata
  from `pgbouncer.logs.prod` as t
  where case when coalesce(@project, '') = '' then true else coalesce(t.project, @project) = @project end
    and case when coalesce(@iso_timestamp_start, '') = '' then true
             else t.timestamp > cast(@iso_timestamp_start as timestamp) end
    and case when coalesce(@iso_timestamp_end, '') = '' then true
             else t.timestamp <= cast(@iso_timestamp_end as timestamp) end
),
-- Studio has pages for these services too, which a self-hosted stack does not run: they are
-- empty tables of the same columns, so those pages show no rows instead of an error.
supavisor_logs as (
  select t.timestamp, t.id, t.event_message, t.metadata from `postgres.logs` as t where false and t.timestamp is null
),
pg_upgrade_logs as (
  select t.timestamp, t.id, t.event_message, t.metadata from `postgres.logs` as t where false and t.timestamp is null
),
auth_audit_logs as (
  select t.timestamp, t.id, t.event_message, t.metadata from `postgres.logs` as t where false and t.timestamp is null
),
etl_replication_logs as (
  select t.timestamp, t.id, t.event_message, t.metadata from `postgres.logs` as t where false and t.timestamp is null
),
multigres_logs as (
  select t.timestamp, t.id, t.event_message, t.metadata from `postgres.logs` as t where false and t.timestamp is null
)
select id, timestamp, event_message, metadata
from edge_logs
order by timestamp desc
limit 100
