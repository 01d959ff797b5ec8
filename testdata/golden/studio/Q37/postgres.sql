WITH auth_audit_logs AS (
  SELECT
    "t"."timestamp" AS "timestamp",
    "t"."id" AS "id",
    "t"."event_message" AS "event_message",
    "t"."body" AS "body"
  FROM
    "log_events_postgres_logs" AS "t"
  WHERE
    false AND "t"."timestamp" IS NULL
)
SELECT
  regexp_replace(to_char(CAST("auth_audit_logs"."timestamp" AS TIMESTAMP), 'YYYY-MM-DD"T"HH24:MI:SS.US'), '\.000000$', '') AS timestamp,
  "auth_audit_logs"."event_message" AS "event_message",
  ("auth_audit_logs"."body" #> '{metadata}') AS "metadata"
FROM
  auth_audit_logs LIMIT 10
-- params: 
