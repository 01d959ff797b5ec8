SELECT
  "logs"."timestamp" AS "timestamp",
  "logs"."id" AS "id",
  "logs"."event_message" AS "event_message"
FROM
  "log_events_0" AS "logs"
WHERE
  ("logs"."metadata.isAllowed" = CAST($1 AS BOOLEAN)) AND ("logs"."metadata.isAllowed" = CAST($2 AS BOOLEAN)) ORDER BY "logs"."timestamp" DESC NULLS LAST LIMIT 100
-- params: lql_0, lql_1
