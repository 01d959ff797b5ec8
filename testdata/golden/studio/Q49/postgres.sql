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
  ("f"."body" #>> '{metadata,request,path}') AS path,
  ("f"."body" #>> '{metadata,request,search}') AS search,
  count("f"."id") AS count
FROM
  edge_logs f
WHERE
  (starts_with(("f"."body" #>> '{metadata,request,path}'), '/storage/v1/object') AND ("f"."body" #>> '{metadata,request,method}') = 'GET' AND ("f"."body" #>> '{metadata,response,headers,cf_cache_status}') IN ('MISS', 'NONE/UNKNOWN', 'EXPIRED', 'BYPASS', 'DYNAMIC')) AND jsonb_typeof("f"."body" #> '{metadata}') = 'object' AND jsonb_typeof("f"."body" #> '{metadata,request}') = 'object' AND jsonb_typeof("f"."body" #> '{metadata,response}') = 'object' AND jsonb_typeof("f"."body" #> '{metadata,response,headers}') = 'object'
GROUP BY
  1, 2 ORDER BY 3 DESC NULLS LAST LIMIT 12
-- params: project, iso_timestamp_start, iso_timestamp_end
