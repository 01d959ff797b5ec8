WITH function_edge_logs AS (
  SELECT
    "t"."timestamp" AS "timestamp",
    "t"."id" AS "id",
    "t"."event_message" AS "event_message",
    "t"."body" AS "body"
  FROM
    "log_events_deno_relay_logs" AS "t"
  WHERE
    CASE WHEN coalesce($1::TEXT, '') = '' THEN true ELSE coalesce(("t"."body" #>> '{metadata,project_ref}'), $1::TEXT) = $1::TEXT END AND CASE WHEN coalesce($2::TEXT, '') = '' THEN true ELSE "t"."timestamp" > CAST($2::TEXT AS TIMESTAMP) END AND CASE WHEN coalesce($3::TEXT, '') = '' THEN true ELSE "t"."timestamp" <= CAST($3::TEXT AS TIMESTAMP) END
)
SELECT
  count(*) AS count
FROM
  function_edge_logs
WHERE
  ((("function_edge_logs"."body" #>> '{metadata,function_id}') = '<FN_ID>')) AND jsonb_typeof("function_edge_logs"."body" #> '{metadata}') = 'object' AND jsonb_typeof("function_edge_logs"."body" #> '{metadata,response}') = 'object' AND jsonb_typeof("function_edge_logs"."body" #> '{metadata,request}') = 'object'
-- params: project, iso_timestamp_start, iso_timestamp_end
