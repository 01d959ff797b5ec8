SELECT
  "logs"."timestamp" AS "timestamp",
  "logs"."id" AS "id",
  "logs"."event_message" AS "event_message"
FROM
  "log_events_0" AS "logs"
WHERE
  (CASE WHEN ("logs"."body" #>> '{metadata,int}') ~ '^[ \t]*[-+]?[0-9]+[ \t]*$' THEN CAST(("logs"."body" #>> '{metadata,int}') AS BIGINT) END IS NULL OR NOT (CASE WHEN ("logs"."body" #>> '{metadata,int}') ~ '^[ \t]*[-+]?[0-9]+[ \t]*$' THEN CAST(("logs"."body" #>> '{metadata,int}') AS BIGINT) END >= CAST($1::TEXT AS BIGINT))) AND (("logs"."body" #>> '{metadata,str}') IS NULL OR NOT ((("logs"."body" #>> '{metadata,str}') ~ $2::TEXT))) AND ("logs"."timestamp" IS NULL OR NOT ("logs"."timestamp" BETWEEN CAST($3::TEXT AS TIMESTAMP) AND CAST($4::TEXT AS TIMESTAMP))) ORDER BY "logs"."timestamp" DESC NULLS LAST LIMIT 100
-- params: lql_0, lql_1, lql_2, lql_3
