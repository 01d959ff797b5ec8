WITH postgres_logs AS (
  SELECT
    "t"."timestamp" AS "timestamp",
    "t"."id" AS "id",
    "t"."event_message" AS "event_message",
    "t"."body" AS "body"
  FROM
    "log_events_postgres_logs" AS "t"
  WHERE
    CASE WHEN coalesce($1::TEXT, '') = '' THEN true ELSE coalesce(("t"."body" #>> '{project}'), $1::TEXT) = $1::TEXT END AND CASE WHEN coalesce($2::TEXT, '') = '' THEN true ELSE "t"."timestamp" > CAST($2::TEXT AS TIMESTAMP) END AND CASE WHEN coalesce($3::TEXT, '') = '' THEN true ELSE "t"."timestamp" <= CAST($3::TEXT AS TIMESTAMP) END
)
SELECT
  "postgres_logs"."id" AS "id",
  "postgres_logs"."timestamp" AS "timestamp",
  "postgres_logs"."event_message" AS "event_message",
  ("postgres_logs"."body" #>> '{metadata,parsed,error_severity}') AS "error_severity",
  NULL AS "query"
FROM
  postgres_logs
WHERE
  ((("postgres_logs"."body" #>> '{metadata,parsed,application_name}') = 'pg_cron' OR CAST("postgres_logs"."event_message" AS TEXT) LIKE '%cron job%')) AND jsonb_typeof("postgres_logs"."body" #> '{metadata}') = 'object' AND jsonb_typeof("postgres_logs"."body" #> '{metadata,parsed}') = 'object' ORDER BY "postgres_logs"."timestamp" DESC NULLS LAST LIMIT 100
-- params: project, iso_timestamp_start, iso_timestamp_end
