WITH edge_logs AS (
  SELECT
    "t"."timestamp" AS "timestamp",
    "t"."id" AS "id",
    "t"."event_message" AS "event_message",
    "t"."body" AS "body"
  FROM
    "log_events_cloudflare_logs_prod" AS "t"
  WHERE
    CASE WHEN coalesce($1::TEXT, '') = '' THEN true ELSE coalesce(("t"."body" #>> '{project}'), $1::TEXT) = $1::TEXT END AND CASE WHEN coalesce($2::TEXT, '') = '' THEN true ELSE "t"."timestamp" > CAST($2::TEXT AS TIMESTAMP) END AND CASE WHEN coalesce($3::TEXT, '') = '' THEN true ELSE "t"."timestamp" <= CAST($3::TEXT AS TIMESTAMP) END
)
SELECT
  regexp_replace(to_char(CAST("edge_logs"."timestamp" AS TIMESTAMP), 'YYYY-MM-DD"T"HH24:MI:SS.US'), '\.000000$', '') AS timestamp,
  "edge_logs"."event_message" AS "event_message"
FROM
  edge_logs
WHERE
  (("edge_logs"."body" #>> '{metadata,request,path}') LIKE '%rest/v1%') AND jsonb_typeof("edge_logs"."body" #> '{metadata}') = 'object' AND jsonb_typeof("edge_logs"."body" #> '{metadata,request}') = 'object' ORDER BY "edge_logs"."timestamp" DESC NULLS LAST LIMIT 100
-- params: project, iso_timestamp_start, iso_timestamp_end
