WITH postgres_logs AS (
  SELECT
    "t"."timestamp" AS "timestamp",
    "t"."id" AS "id",
    "t"."event_message" AS "event_message",
    "t"."metadata" AS "metadata",
    "t"."metadata.host" AS "metadata.host",
    "t"."metadata.parsed" AS "metadata.parsed",
    "t"."metadata.parsed.backend_type" AS "metadata.parsed.backend_type",
    "t"."metadata.parsed.command_tag" AS "metadata.parsed.command_tag",
    "t"."metadata.parsed.connection_from" AS "metadata.parsed.connection_from",
    "t"."metadata.parsed.context" AS "metadata.parsed.context",
    "t"."metadata.parsed.database_name" AS "metadata.parsed.database_name",
    "t"."metadata.parsed.error_severity" AS "metadata.parsed.error_severity",
    "t"."metadata.parsed.leader_pid" AS "metadata.parsed.leader_pid",
    "t"."metadata.parsed.process_id" AS "metadata.parsed.process_id",
    "t"."metadata.parsed.query_id" AS "metadata.parsed.query_id",
    "t"."metadata.parsed.session_id" AS "metadata.parsed.session_id",
    "t"."metadata.parsed.session_line_num" AS "metadata.parsed.session_line_num",
    "t"."metadata.parsed.session_start_time" AS "metadata.parsed.session_start_time",
    "t"."metadata.parsed.sql_state_code" AS "metadata.parsed.sql_state_code",
    "t"."metadata.parsed.timestamp" AS "metadata.parsed.timestamp",
    "t"."metadata.parsed.transaction_id" AS "metadata.parsed.transaction_id",
    "t"."metadata.parsed.user_name" AS "metadata.parsed.user_name",
    "t"."metadata.parsed.virtual_transaction_id" AS "metadata.parsed.virtual_transaction_id",
    "t"."metadata.parsed.application_name" AS "metadata.parsed.application_name",
    "t"."__ROOT__" AS "__ROOT__"
  FROM
    "log_events_postgres_logs" AS "t"
  WHERE
    CASE WHEN coalesce($1, '') = '' THEN true ELSE coalesce("t"."project", $1) = $1 END AND CASE WHEN coalesce($2, '') = '' THEN true ELSE "t"."timestamp" > CAST($2 AS TIMESTAMP) END AND CASE WHEN coalesce($3, '') = '' THEN true ELSE "t"."timestamp" <= CAST($3 AS TIMESTAMP) END
)
SELECT
  regexp_replace(strftime(CAST("t"."timestamp" AS TIMESTAMP), '%Y-%m-%dT%H:%M:%S.%f'), '\.000000$', '') AS timestamp,
  "t"."metadata.parsed.error_severity" AS "error_severity",
  "t"."event_message" AS "event_message"
FROM
  postgres_logs AS t
WHERE
  ("t"."metadata.parsed.error_severity" IN ('ERROR', 'FATAL', 'PANIC')) AND "t"."metadata" IS NOT NULL AND "t"."metadata.parsed" IS NOT NULL ORDER BY "t"."timestamp" DESC NULLS LAST LIMIT 100
-- params: project, iso_timestamp_start, iso_timestamp_end
