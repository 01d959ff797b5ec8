WITH auth_logs AS (
  SELECT
    "t"."timestamp" AS "timestamp",
    "t"."id" AS "id",
    "t"."event_message" AS "event_message",
    "t"."body" AS "body"
  FROM
    "log_events_gotrue_logs_prod" AS "t"
  WHERE
    CASE WHEN coalesce($1::TEXT, '') = '' THEN true ELSE coalesce(("t"."body" #>> '{project}'), $1::TEXT) = $1::TEXT END AND CASE WHEN coalesce($2::TEXT, '') = '' THEN true ELSE "t"."timestamp" > CAST($2::TEXT AS TIMESTAMP) END AND CASE WHEN coalesce($3::TEXT, '') = '' THEN true ELSE "t"."timestamp" <= CAST($3::TEXT AS TIMESTAMP) END
)
SELECT
  "auth_logs"."id" AS "id",
  "auth_logs"."timestamp" AS "timestamp",
  "auth_logs"."event_message" AS "event_message",
  ("auth_logs"."body" #>> '{metadata,level}') AS "level",
  CASE
    WHEN ("auth_logs"."body" #>> '{metadata,status}') ~ '^[ \t]*[-+]?[0-9]+[ \t]*$' THEN
      CAST(("auth_logs"."body" #>> '{metadata,status}') AS BIGINT)
  END AS "status",
  ("auth_logs"."body" #>> '{metadata,path}') AS "path",
  ("auth_logs"."body" #>> '{metadata,msg}') AS msg,
  ("auth_logs"."body" #>> '{metadata,error}') AS "error"
FROM
  auth_logs
WHERE
  ((coalesce(("auth_logs"."body" #>> '{metadata,level}'), '') IN ('error', 'fatal') OR coalesce(CAST(CASE WHEN ("auth_logs"."body" #>> '{metadata,status}') ~ '^[ \t]*[-+]?[0-9]+[ \t]*$' THEN CAST(("auth_logs"."body" #>> '{metadata,status}') AS BIGINT) END AS BIGINT), 0) >= 500) AND ((("auth_logs"."body" #>> '{metadata,path}') ~ '/signup|/invite|/verify'))) AND jsonb_typeof("auth_logs"."body" #> '{metadata}') = 'object' ORDER BY "auth_logs"."timestamp" DESC NULLS LAST LIMIT 100
-- params: project, iso_timestamp_start, iso_timestamp_end
