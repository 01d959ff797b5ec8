WITH function_edge_logs AS (
  SELECT
    "t"."timestamp" AS "timestamp",
    "t"."id" AS "id",
    "t"."event_message" AS "event_message",
    "t"."metadata" AS "metadata",
    "t"."metadata.deployment_id" AS "metadata.deployment_id",
    "t"."metadata.execution_time_ms" AS "metadata.execution_time_ms",
    "t"."metadata.function_id" AS "metadata.function_id",
    "t"."metadata.project_ref" AS "metadata.project_ref",
    "t"."metadata.request" AS "metadata.request",
    "t"."metadata.request.headers" AS "metadata.request.headers",
    "t"."metadata.request.headers.accept" AS "metadata.request.headers.accept",
    "t"."metadata.request.headers.accept_encoding" AS "metadata.request.headers.accept_encoding",
    "t"."metadata.request.headers.content_length" AS "metadata.request.headers.content_length",
    "t"."metadata.request.headers.host" AS "metadata.request.headers.host",
    "t"."metadata.request.headers.user_agent" AS "metadata.request.headers.user_agent",
    "t"."metadata.request.host" AS "metadata.request.host",
    "t"."metadata.request.method" AS "metadata.request.method",
    "t"."metadata.request.pathname" AS "metadata.request.pathname",
    "t"."metadata.request.protocol" AS "metadata.request.protocol",
    "t"."metadata.request.search" AS "metadata.request.search",
    "t"."metadata.request.url" AS "metadata.request.url",
    "t"."metadata.response" AS "metadata.response",
    "t"."metadata.response.headers" AS "metadata.response.headers",
    "t"."metadata.response.headers.content_length" AS "metadata.response.headers.content_length",
    "t"."metadata.response.headers.content_type" AS "metadata.response.headers.content_type",
    "t"."metadata.response.headers.date" AS "metadata.response.headers.date",
    "t"."metadata.response.headers.server" AS "metadata.response.headers.server",
    "t"."metadata.response.headers.vary" AS "metadata.response.headers.vary",
    "t"."metadata.response.status_code" AS "metadata.response.status_code",
    "t"."metadata.version" AS "metadata.version",
    "t"."__ROOT__" AS "__ROOT__"
  FROM
    "log_events_deno_relay_logs" AS "t"
  WHERE
    CASE WHEN coalesce($1, '') = '' THEN true ELSE coalesce("t"."metadata.project_ref", $1) = $1 END AND CASE WHEN coalesce($2, '') = '' THEN true ELSE "t"."timestamp" > CAST($2 AS TIMESTAMP) END AND CASE WHEN coalesce($3, '') = '' THEN true ELSE "t"."timestamp" <= CAST($3 AS TIMESTAMP) END
)
SELECT
  count(*) AS count
FROM
  function_edge_logs
WHERE
  (("function_edge_logs"."metadata.function_id" = '<FN_ID>')) AND "function_edge_logs"."metadata" IS NOT NULL AND "function_edge_logs"."metadata.response" IS NOT NULL AND "function_edge_logs"."metadata.request" IS NOT NULL
-- params: project, iso_timestamp_start, iso_timestamp_end
