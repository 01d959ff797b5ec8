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
  ("edge_logs"."body" #>> '{metadata,request,method}') AS http_verb,
  ("edge_logs"."body" #>> '{metadata,request,path}') AS filepath,
  (("edge_logs"."body" #>> '{metadata,response,headers,cf_cache_status}') = 'HIT') AS cached,
  count(*) AS num_requests
FROM
  edge_logs
WHERE
  ((("edge_logs"."body" #>> '{metadata,request,path}') LIKE '%storage/v1/object/%' OR ("edge_logs"."body" #>> '{metadata,request,path}') LIKE '%storage/v1/render/%') AND ("edge_logs"."body" #>> '{metadata,request,method}') = 'GET') AND jsonb_typeof("edge_logs"."body" #> '{metadata}') = 'object' AND jsonb_typeof("edge_logs"."body" #> '{metadata,request}') = 'object' AND jsonb_typeof("edge_logs"."body" #> '{metadata,response}') = 'object' AND jsonb_typeof("edge_logs"."body" #> '{metadata,response,headers}') = 'object'
GROUP BY
  1, 2, 3 ORDER BY 4 DESC NULLS LAST LIMIT 100
-- params: project, iso_timestamp_start, iso_timestamp_end
