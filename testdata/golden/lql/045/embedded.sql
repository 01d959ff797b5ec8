SELECT
  "logs"."timestamp" AS "timestamp",
  "logs"."id" AS "id",
  "logs"."event_message" AS "event_message"
FROM
  "log_events_0" AS "logs"
WHERE
  ("logs"."metadata.metric" < CAST($1 AS DOUBLE)) AND ("logs"."metadata.user" BETWEEN $2 AND $3) ORDER BY "logs"."timestamp" DESC NULLS LAST LIMIT 100
-- params: lql_0, lql_1, lql_2
