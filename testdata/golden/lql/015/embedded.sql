SELECT
  "logs"."timestamp" AS "timestamp",
  "logs"."id" AS "id",
  "logs"."event_message" AS "event_message"
FROM
  "log_events_0" AS "logs"
WHERE
  (strpos("logs"."event_message", $1) > 0) AND (strpos("logs"."event_message", $2) > 0) AND (regexp_matches("logs"."metadata.context.address", $3)) AND ("logs"."metadata.context.file" = $4) AND ("logs"."metadata.context.line_number" = CAST($5 AS BIGINT)) AND ("logs"."timestamp" > CAST($6 AS TIMESTAMP)) AND ("logs"."timestamp" <= CAST($7 AS TIMESTAMP)) AND ("logs"."timestamp" < CAST($8 AS TIMESTAMP)) AND ("logs"."timestamp" >= CAST($9 AS TIMESTAMP)) AND ("logs"."timestamp" <= CAST($10 AS TIMESTAMP)) ORDER BY "logs"."timestamp" DESC NULLS LAST LIMIT 100
-- params: lql_0, lql_1, lql_2, lql_3, lql_4, lql_5, lql_6, lql_7, lql_8, lql_9
