SELECT
  "logs"."timestamp" AS "timestamp",
  "logs"."id" AS "id",
  "logs"."event_message" AS "event_message"
FROM
  "log_events_0" AS "logs"
WHERE
  ("logs"."metadata.int" IS NULL OR NOT ("logs"."metadata.int" >= CAST($1 AS BIGINT))) AND ("logs"."metadata.str" IS NULL OR NOT (regexp_matches("logs"."metadata.str", $2))) AND ("logs"."timestamp" IS NULL OR NOT ("logs"."timestamp" BETWEEN CAST($3 AS TIMESTAMP) AND CAST($4 AS TIMESTAMP))) ORDER BY "logs"."timestamp" DESC NULLS LAST LIMIT 100
-- params: lql_0, lql_1, lql_2, lql_3
