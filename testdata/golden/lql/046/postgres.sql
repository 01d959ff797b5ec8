SELECT
  "logs"."timestamp" AS "timestamp",
  "logs"."id" AS "id",
  "logs"."event_message" AS "event_message"
FROM
  "log_events_0" AS "logs"
WHERE
  (CASE WHEN jsonb_typeof("logs"."body" #> '{metadata,isAllowed}') = 'boolean' THEN CAST(("logs"."body" #>> '{metadata,isAllowed}') AS BOOLEAN) END = CAST($1::TEXT AS BOOLEAN)) AND (CASE WHEN jsonb_typeof("logs"."body" #> '{metadata,isAllowed}') = 'boolean' THEN CAST(("logs"."body" #>> '{metadata,isAllowed}') AS BOOLEAN) END = CAST($2::TEXT AS BOOLEAN)) ORDER BY "logs"."timestamp" DESC NULLS LAST LIMIT 100
-- params: lql_0, lql_1
