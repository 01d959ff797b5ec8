WITH realtime_logs AS (
  SELECT
    "t"."timestamp" AS "timestamp",
    "t"."id" AS "id",
    "t"."event_message" AS "event_message",
    "t"."metadata" AS "metadata",
    "t"."metadata.context" AS "metadata.context",
    "t"."metadata.context.application" AS "metadata.context.application",
    "t"."metadata.context.domain" AS "metadata.context.domain",
    "t"."metadata.context.file" AS "metadata.context.file",
    "t"."metadata.context.function" AS "metadata.context.function",
    "t"."metadata.context.gl" AS "metadata.context.gl",
    "t"."metadata.context.line" AS "metadata.context.line",
    "t"."metadata.context.mfa" AS "metadata.context.mfa",
    "t"."metadata.context.module" AS "metadata.context.module",
    "t"."metadata.context.pid" AS "metadata.context.pid",
    "t"."metadata.context.time" AS "metadata.context.time",
    "t"."metadata.context.vm" AS "metadata.context.vm",
    "t"."metadata.context.vm.node" AS "metadata.context.vm.node",
    "t"."metadata.external_id" AS "metadata.external_id",
    "t"."metadata.level" AS "metadata.level",
    "t"."metadata.project" AS "metadata.project",
    "t"."__ROOT__" AS "__ROOT__"
  FROM
    "log_events_realtime_logs_prod" AS "t"
  WHERE
    CASE WHEN coalesce($1, '') = '' THEN true ELSE coalesce("t"."metadata.project", $1) = $1 END AND CASE WHEN coalesce($2, '') = '' THEN true ELSE "t"."timestamp" > CAST($2 AS TIMESTAMP) END AND CASE WHEN coalesce($3, '') = '' THEN true ELSE "t"."timestamp" <= CAST($3 AS TIMESTAMP) END
)
SELECT
  date_trunc('minute', "t"."timestamp") AS timestamp,
  count(CASE WHEN NOT (false OR false) THEN 1 END) AS ok_count,
  count(CASE WHEN false THEN 1 END) AS error_count,
  count(CASE WHEN false THEN 1 END) AS warning_count
FROM
  realtime_logs t
WHERE
  "t"."timestamp" > '<CHART_FROM>'
GROUP BY
  1 ORDER BY 1 ASC NULLS FIRST
-- params: project, iso_timestamp_start, iso_timestamp_end
