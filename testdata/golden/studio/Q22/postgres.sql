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
  date_trunc('minute', "t"."timestamp") AS timestamp,
  count(CASE WHEN NOT (("t"."body" #>> '{metadata,parsed,error_severity}') IN ('ERROR', 'FATAL', 'PANIC') OR false) THEN 1 END) AS ok_count,
  count(CASE WHEN ("t"."body" #>> '{metadata,parsed,error_severity}') IN ('ERROR', 'FATAL', 'PANIC') THEN 1 END) AS error_count,
  count(CASE WHEN false THEN 1 END) AS warning_count
FROM
  postgres_logs t
WHERE
  ((("t"."body" #>> '{metadata,parsed,application_name}') = 'pg_cron' OR CAST("t"."event_message" AS TEXT) LIKE '%cron job%') AND "t"."timestamp" > '<CHART_FROM>') AND jsonb_typeof("t"."body" #> '{metadata}') = 'object' AND jsonb_typeof("t"."body" #> '{metadata,parsed}') = 'object'
GROUP BY
  1 ORDER BY 1 ASC NULLS FIRST
-- params: project, iso_timestamp_start, iso_timestamp_end
