WITH auth_audit_logs AS (
  SELECT
    "t"."timestamp" AS "timestamp",
    "t"."id" AS "id",
    "t"."event_message" AS "event_message",
    NULL AS "metadata"
  FROM
    "log_events_auth_audit_logs_prod" AS "t"
  WHERE
    NULL = $1 AND CASE WHEN coalesce($2, '') = '' THEN true ELSE CAST("t"."timestamp" AS TIMESTAMP) > CAST($2 AS TIMESTAMP) END AND CASE WHEN coalesce($3, '') = '' THEN true ELSE CAST("t"."timestamp" AS TIMESTAMP) <= CAST($3 AS TIMESTAMP) END ORDER BY CAST("t"."timestamp" AS TIMESTAMP) DESC NULLS LAST
)
SELECT
  regexp_replace(strftime(CAST("auth_audit_logs"."timestamp" AS TIMESTAMP), '%Y-%m-%dT%H:%M:%S.%f'), '\.000000$', '') AS timestamp,
  "auth_audit_logs"."event_message" AS "event_message",
  NULL AS "metadata"
FROM
  auth_audit_logs LIMIT 10
-- params: project, iso_timestamp_start, iso_timestamp_end
