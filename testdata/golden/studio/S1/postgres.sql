WITH edge_logs AS (
  SELECT
    "t"."timestamp" AS "timestamp",
    "t"."id" AS "id",
    "t"."event_message" AS "event_message",
    "t"."body" AS "body"
  FROM
    "log_events_cloudflare_logs_prod" AS "t"
  WHERE
    (("t"."body" #>> '{project}') = $1::TEXT AND CASE WHEN coalesce($2::TEXT, '') = '' THEN true ELSE CAST("t"."timestamp" AS TIMESTAMP) > CAST($2::TEXT AS TIMESTAMP) END AND CASE WHEN coalesce($3::TEXT, '') = '' THEN true ELSE CAST("t"."timestamp" AS TIMESTAMP) <= CAST($3::TEXT AS TIMESTAMP) END) AND jsonb_typeof("t"."body" #> '{metadata}') = 'object' ORDER BY CAST("t"."timestamp" AS TIMESTAMP) DESC NULLS LAST
)
SELECT
  "edge_logs"."id" AS "id",
  "edge_logs"."timestamp" AS "timestamp",
  "edge_logs"."event_message" AS "event_message",
  ("edge_logs"."body" #> '{metadata}') AS "metadata"
FROM
  edge_logs LIMIT 100
-- params: project, iso_timestamp_start, iso_timestamp_end
