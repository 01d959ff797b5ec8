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
  date_trunc('minute', "t"."timestamp") AS timestamp,
  count(CASE WHEN NOT (coalesce(("t"."body" #>> '{metadata,level}'), '') IN ('error', 'fatal') OR coalesce(CAST(CASE WHEN ("t"."body" #>> '{metadata,status}') ~ '^[ \t]*[-+]?[0-9]+[ \t]*$' THEN CAST(("t"."body" #>> '{metadata,status}') AS BIGINT) END AS BIGINT), 0) >= 500 OR coalesce(("t"."body" #>> '{metadata,level}'), '') = 'warning' OR coalesce(CAST(CASE WHEN ("t"."body" #>> '{metadata,status}') ~ '^[ \t]*[-+]?[0-9]+[ \t]*$' THEN CAST(("t"."body" #>> '{metadata,status}') AS BIGINT) END AS BIGINT), 0) BETWEEN 400 AND 499) THEN 1 END) AS ok_count,
  count(CASE WHEN coalesce(("t"."body" #>> '{metadata,level}'), '') IN ('error', 'fatal') OR coalesce(CAST(CASE WHEN ("t"."body" #>> '{metadata,status}') ~ '^[ \t]*[-+]?[0-9]+[ \t]*$' THEN CAST(("t"."body" #>> '{metadata,status}') AS BIGINT) END AS BIGINT), 0) >= 500 THEN 1 END) AS error_count,
  count(CASE WHEN coalesce(("t"."body" #>> '{metadata,level}'), '') = 'warning' OR coalesce(CAST(CASE WHEN ("t"."body" #>> '{metadata,status}') ~ '^[ \t]*[-+]?[0-9]+[ \t]*$' THEN CAST(("t"."body" #>> '{metadata,status}') AS BIGINT) END AS BIGINT), 0) BETWEEN 400 AND 499 THEN 1 END) AS warning_count
FROM
  auth_logs t
WHERE
  ("t"."timestamp" > '<CHART_FROM>') AND jsonb_typeof("t"."body" #> '{metadata}') = 'object'
GROUP BY
  1 ORDER BY 1 ASC NULLS FIRST
-- params: project, iso_timestamp_start, iso_timestamp_end
