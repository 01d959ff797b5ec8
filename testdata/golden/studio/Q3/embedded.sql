WITH function_logs AS (
  SELECT
    "t"."timestamp" AS "timestamp",
    "t"."id" AS "id",
    "t"."event_message" AS "event_message",
    "t"."metadata" AS "metadata",
    "t"."metadata.deployment_id" AS "metadata.deployment_id",
    "t"."metadata.event_type" AS "metadata.event_type",
    "t"."metadata.execution_id" AS "metadata.execution_id",
    "t"."metadata.function_id" AS "metadata.function_id",
    "t"."metadata.level" AS "metadata.level",
    "t"."metadata.project_ref" AS "metadata.project_ref",
    "t"."metadata.region" AS "metadata.region",
    "t"."metadata.timestamp" AS "metadata.timestamp",
    "t"."metadata.version" AS "metadata.version",
    "t"."__ROOT__" AS "__ROOT__"
  FROM
    "log_events_deno_subhosting_events" AS "t"
  WHERE
    CASE WHEN coalesce($1, '') = '' THEN true ELSE coalesce("t"."metadata.project_ref", $1) = $1 END AND CASE WHEN coalesce($2, '') = '' THEN true ELSE "t"."timestamp" > CAST($2 AS TIMESTAMP) END AND CASE WHEN coalesce($3, '') = '' THEN true ELSE "t"."timestamp" <= CAST($3 AS TIMESTAMP) END
)
SELECT
  "function_logs"."id" AS "id",
  "function_logs"."timestamp" AS "timestamp",
  "function_logs"."event_message" AS "event_message",
  "function_logs"."metadata.event_type" AS "event_type",
  "function_logs"."metadata.function_id" AS "function_id",
  "function_logs"."metadata.execution_id" AS "execution_id",
  "function_logs"."metadata.level" AS "level"
FROM
  function_logs
WHERE
  (("function_logs"."metadata.function_id" = '<FN_ID>')) AND "function_logs"."metadata" IS NOT NULL ORDER BY "function_logs"."timestamp" DESC NULLS LAST LIMIT 100
-- params: project, iso_timestamp_start, iso_timestamp_end
