WITH auth_logs AS (
  SELECT
    "t"."timestamp" AS "timestamp",
    "t"."id" AS "id",
    "t"."event_message" AS "event_message",
    "t"."metadata" AS "metadata",
    "t"."metadata.component" AS "metadata.component",
    "t"."metadata.duration" AS "metadata.duration",
    "t"."metadata.level" AS "metadata.level",
    "t"."metadata.method" AS "metadata.method",
    "t"."metadata.msg" AS "metadata.msg",
    "t"."metadata.path" AS "metadata.path",
    "t"."metadata.referer" AS "metadata.referer",
    "t"."metadata.remote_addr" AS "metadata.remote_addr",
    "t"."metadata.request_id" AS "metadata.request_id",
    "t"."metadata.status" AS "metadata.status",
    "t"."metadata.time" AS "metadata.time",
    "t"."metadata.timestamp" AS "metadata.timestamp",
    "t"."metadata.error" AS "metadata.error",
    "t"."metadata.auth_event" AS "metadata.auth_event",
    "t"."metadata.auth_event.action" AS "metadata.auth_event.action",
    "t"."metadata.auth_event.actor_id" AS "metadata.auth_event.actor_id",
    "t"."metadata.auth_event.actor_username" AS "metadata.auth_event.actor_username",
    "t"."metadata.auth_event.log_type" AS "metadata.auth_event.log_type",
    "t"."__ROOT__" AS "__ROOT__"
  FROM
    "log_events_gotrue_logs_prod" AS "t"
  WHERE
    CASE WHEN coalesce($1, '') = '' THEN true ELSE coalesce("t"."project", $1) = $1 END AND CASE WHEN coalesce($2, '') = '' THEN true ELSE "t"."timestamp" > CAST($2 AS TIMESTAMP) END AND CASE WHEN coalesce($3, '') = '' THEN true ELSE "t"."timestamp" <= CAST($3 AS TIMESTAMP) END
)
SELECT
  date_trunc('minute', "t"."timestamp") AS timestamp,
  count(CASE WHEN NOT (coalesce("t"."metadata.level", '') IN ('error', 'fatal') OR coalesce(CAST("t"."metadata.status" AS BIGINT), 0) >= 500 OR coalesce("t"."metadata.level", '') = 'warning' OR coalesce(CAST("t"."metadata.status" AS BIGINT), 0) BETWEEN 400 AND 499) THEN 1 END) AS ok_count,
  count(CASE WHEN coalesce("t"."metadata.level", '') IN ('error', 'fatal') OR coalesce(CAST("t"."metadata.status" AS BIGINT), 0) >= 500 THEN 1 END) AS error_count,
  count(CASE WHEN coalesce("t"."metadata.level", '') = 'warning' OR coalesce(CAST("t"."metadata.status" AS BIGINT), 0) BETWEEN 400 AND 499 THEN 1 END) AS warning_count
FROM
  auth_logs t
WHERE
  ("t"."timestamp" > '<CHART_FROM>') AND "t"."metadata" IS NOT NULL
GROUP BY
  1 ORDER BY 1 ASC NULLS FIRST
-- params: project, iso_timestamp_start, iso_timestamp_end
