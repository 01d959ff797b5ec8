SELECT
  "logs"."timestamp" AS "timestamp",
  "logs"."id" AS "id",
  "logs"."event_message" AS "event_message"
FROM
  "log_events_0" AS "logs"
WHERE
  ("logs"."metadata.float" BETWEEN CAST($1 AS DOUBLE) AND CAST($2 AS DOUBLE)) AND ("logs"."metadata.int" BETWEEN CAST($3 AS BIGINT) AND CAST($4 AS BIGINT)) ORDER BY "logs"."timestamp" DESC NULLS LAST LIMIT 100
-- params: lql_0, lql_1, lql_2, lql_3
