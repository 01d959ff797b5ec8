WITH pg_upgrade_logs AS (
  SELECT
    "t"."timestamp" AS "timestamp",
    "t"."id" AS "id",
    "t"."event_message" AS "event_message",
    "t"."body" AS "body"
  FROM
    "log_events_pg_upgrade_logs_prod" AS "t"
  WHERE
    NULL = $1::TEXT AND CASE WHEN coalesce($2::TEXT, '') = '' THEN true ELSE CAST("t"."timestamp" AS TIMESTAMP) > CAST($2::TEXT AS TIMESTAMP) END AND CASE WHEN coalesce($3::TEXT, '') = '' THEN true ELSE CAST("t"."timestamp" AS TIMESTAMP) <= CAST($3::TEXT AS TIMESTAMP) END ORDER BY CAST("t"."timestamp" AS TIMESTAMP) DESC NULLS LAST
)
SELECT
  "pg_upgrade_logs"."id" AS "id",
  "pg_upgrade_logs"."timestamp" AS "timestamp",
  "pg_upgrade_logs"."event_message" AS "event_message"
FROM
  pg_upgrade_logs ORDER BY "pg_upgrade_logs"."timestamp" DESC NULLS LAST LIMIT 100
-- params: project, iso_timestamp_start, iso_timestamp_end
