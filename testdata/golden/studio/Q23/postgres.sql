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
  date_trunc('minute', "t"."timestamp") AS timestamp,
  count(CASE WHEN NOT (false OR false) THEN 1 END) AS ok_count,
  count(CASE WHEN false THEN 1 END) AS error_count,
  count(CASE WHEN false THEN 1 END) AS warning_count
FROM
  realtime_logs t
WHERE
  "t"."timestamp" > '<CHART_FROM>'
GROUP BY
  1 ORDER BY 1 ASC NULLS FIRST
-- params: project, iso_timestamp_start, iso_timestamp_end
