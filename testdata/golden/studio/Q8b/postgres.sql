WITH realtime_logs AS (
  SELECT
    "t"."timestamp" AS "timestamp",
    "t"."id" AS "id",
    "t"."event_message" AS "event_message",
    "t"."body" AS "body"
  FROM
    "log_events_realtime_logs_prod" AS "t"
  WHERE
    CASE WHEN coalesce($1::TEXT, '') = '' THEN true ELSE coalesce(("t"."body" #>> '{metadata,project}'), $1::TEXT) = $1::TEXT END AND CASE WHEN coalesce($2::TEXT, '') = '' THEN true ELSE "t"."timestamp" > CAST($2::TEXT AS TIMESTAMP) END AND CASE WHEN coalesce($3::TEXT, '') = '' THEN true ELSE "t"."timestamp" <= CAST($3::TEXT AS TIMESTAMP) END
)
SELECT
  "realtime_logs"."id" AS "id",
  "realtime_logs"."timestamp" AS "timestamp",
  "realtime_logs"."event_message" AS "event_message"
FROM
  realtime_logs
WHERE
  (("realtime_logs"."event_message" ~ 'Billing')) ORDER BY "realtime_logs"."timestamp" DESC NULLS LAST LIMIT 100
-- params: project, iso_timestamp_start, iso_timestamp_end
