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
  "function_edge_logs"."id" AS "id",
  "function_edge_logs"."timestamp" AS "timestamp",
  "function_edge_logs"."event_message" AS "event_message",
  CASE
    WHEN ("function_edge_logs"."body" #>> '{metadata,response,status_code}') ~ '^[ \t]*[-+]?[0-9]+[ \t]*$' THEN
      CAST(("function_edge_logs"."body" #>> '{metadata,response,status_code}') AS BIGINT)
  END AS "status_code",
  ("function_edge_logs"."body" #>> '{metadata,request,method}') AS "method",
  ("function_edge_logs"."body" #>> '{metadata,function_id}') AS "function_id",
  CASE
    WHEN ("function_edge_logs"."body" #>> '{metadata,execution_time_ms}') ~ '^[ \t]*[-+]?[0-9]+[ \t]*$' THEN
      CAST(("function_edge_logs"."body" #>> '{metadata,execution_time_ms}') AS BIGINT)
  END AS "execution_time_ms",
  ("function_edge_logs"."body" #>> '{metadata,deployment_id}') AS "deployment_id",
  ("function_edge_logs"."body" #>> '{metadata,version}') AS "version"
FROM
  function_edge_logs
WHERE
  ((("function_edge_logs"."body" #>> '{metadata,function_id}') = '<FN_ID>')) AND jsonb_typeof("function_edge_logs"."body" #> '{metadata}') = 'object' AND jsonb_typeof("function_edge_logs"."body" #> '{metadata,response}') = 'object' AND jsonb_typeof("function_edge_logs"."body" #> '{metadata,request}') = 'object' ORDER BY "function_edge_logs"."timestamp" DESC NULLS LAST LIMIT 100
-- params: project, iso_timestamp_start, iso_timestamp_end
