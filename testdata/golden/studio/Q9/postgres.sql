WITH supavisor_logs AS (
  SELECT
    "t"."timestamp" AS "timestamp",
    "t"."id" AS "id",
    "t"."event_message" AS "event_message",
    "t"."body" AS "body"
  FROM
    "log_events_supavisor_logs_prod" AS "t"
  WHERE
    NULL = $1::TEXT AND CASE WHEN coalesce($2::TEXT, '') = '' THEN true ELSE CAST("t"."timestamp" AS TIMESTAMP) > CAST($2::TEXT AS TIMESTAMP) END AND CASE WHEN coalesce($3::TEXT, '') = '' THEN true ELSE CAST("t"."timestamp" AS TIMESTAMP) <= CAST($3::TEXT AS TIMESTAMP) END ORDER BY CAST("t"."timestamp" AS TIMESTAMP) DESC NULLS LAST
)
SELECT
  "supavisor_logs"."id" AS "id",
  "supavisor_logs"."timestamp" AS "timestamp",
  "supavisor_logs"."event_message" AS "event_message"
FROM
  supavisor_logs
WHERE
  false ORDER BY "supavisor_logs"."timestamp" DESC NULLS LAST LIMIT 100
-- params: project, iso_timestamp_start, iso_timestamp_end
