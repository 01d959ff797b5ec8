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
  regexp_replace(to_char(CAST(date_trunc('hour', "t"."timestamp") AS TIMESTAMP), 'YYYY-MM-DD"T"HH24:MI:SS.US'), '\.000000$', '') AS timestamp,
  coalesce(CAST(sum(CAST(coalesce(NULL, '0') AS BIGINT)) AS DOUBLE PRECISION) / NULLIF(1000000, 0), 0) AS ingress_mb,
  coalesce(CAST(sum(CAST(coalesce(("t"."body" #>> '{metadata,response,headers,content_length}'), '0') AS BIGINT)) AS DOUBLE PRECISION) / NULLIF(1000000, 0), 0) AS egress_mb
FROM
  edge_logs t
WHERE
  jsonb_typeof("t"."body" #> '{metadata}') = 'object' AND jsonb_typeof("t"."body" #> '{metadata,response}') = 'object' AND jsonb_typeof("t"."body" #> '{metadata,request}') = 'object' AND jsonb_typeof("t"."body" #> '{metadata,request,headers}') = 'object' AND jsonb_typeof("t"."body" #> '{metadata,response,headers}') = 'object'
GROUP BY
  date_trunc('hour', "t"."timestamp") ORDER BY date_trunc('hour', "t"."timestamp") ASC NULLS FIRST
-- params: project, iso_timestamp_start, iso_timestamp_end
