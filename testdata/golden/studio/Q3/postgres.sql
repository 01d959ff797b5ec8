WITH function_logs AS (
  SELECT
    "t"."timestamp" AS "timestamp",
    "t"."id" AS "id",
    "t"."event_message" AS "event_message",
    "t"."body" AS "body"
  FROM
    "log_events_deno_subhosting_events" AS "t"
  WHERE
    CASE WHEN coalesce($1::TEXT, '') = '' THEN true ELSE coalesce(("t"."body" #>> '{metadata,project_ref}'), $1::TEXT) = $1::TEXT END AND CASE WHEN coalesce($2::TEXT, '') = '' THEN true ELSE "t"."timestamp" > CAST($2::TEXT AS TIMESTAMP) END AND CASE WHEN coalesce($3::TEXT, '') = '' THEN true ELSE "t"."timestamp" <= CAST($3::TEXT AS TIMESTAMP) END
)
SELECT
  "function_logs"."id" AS "id",
  "function_logs"."timestamp" AS "timestamp",
  "function_logs"."event_message" AS "event_message",
  ("function_logs"."body" #>> '{metadata,event_type}') AS "event_type",
  ("function_logs"."body" #>> '{metadata,function_id}') AS "function_id",
  ("function_logs"."body" #>> '{metadata,execution_id}') AS "execution_id",
  ("function_logs"."body" #>> '{metadata,level}') AS "level"
FROM
  function_logs
WHERE
  ((("function_logs"."body" #>> '{metadata,function_id}') = '<FN_ID>')) AND jsonb_typeof("function_logs"."body" #> '{metadata}') = 'object' ORDER BY "function_logs"."timestamp" DESC NULLS LAST LIMIT 100
-- params: project, iso_timestamp_start, iso_timestamp_end
