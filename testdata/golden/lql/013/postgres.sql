SELECT
  "logs"."timestamp" AS "timestamp",
  "logs"."id" AS "id",
  "logs"."event_message" AS "event_message"
FROM
  "log_events_0" AS "logs"
WHERE
  (CASE WHEN ("logs"."body" #>> '{metadata,float}') ~ '^[ \t]*[-+]?([0-9]+(\.[0-9]*)?|\.[0-9]+)([eE][-+]?[0-9]+)?[ \t]*$' THEN CAST(("logs"."body" #>> '{metadata,float}') AS DOUBLE PRECISION) END BETWEEN CAST($1::TEXT AS DOUBLE PRECISION) AND CAST($2::TEXT AS DOUBLE PRECISION)) AND (CASE WHEN ("logs"."body" #>> '{metadata,int}') ~ '^[ \t]*[-+]?[0-9]+[ \t]*$' THEN CAST(("logs"."body" #>> '{metadata,int}') AS BIGINT) END BETWEEN CAST($3::TEXT AS BIGINT) AND CAST($4::TEXT AS BIGINT)) ORDER BY "logs"."timestamp" DESC NULLS LAST LIMIT 100
-- params: lql_0, lql_1, lql_2, lql_3
