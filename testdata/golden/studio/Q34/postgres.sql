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
  regexp_replace(to_char(CAST("t"."timestamp" AS TIMESTAMP), 'YYYY-MM-DD"T"HH24:MI:SS.US'), '\.000000$', '') AS timestamp,
  ("t"."body" #>> '{metadata,parsed,error_severity}') AS "error_severity",
  "t"."event_message" AS "event_message"
FROM
  postgres_logs AS t
WHERE
  (("t"."body" #>> '{metadata,parsed,error_severity}') IN ('ERROR', 'FATAL', 'PANIC')) AND jsonb_typeof("t"."body" #> '{metadata}') = 'object' AND jsonb_typeof("t"."body" #> '{metadata,parsed}') = 'object' ORDER BY "t"."timestamp" DESC NULLS LAST LIMIT 100
-- params: project, iso_timestamp_start, iso_timestamp_end
