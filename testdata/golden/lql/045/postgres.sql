SELECT
  "logs"."timestamp" AS "timestamp",
  "logs"."id" AS "id",
  "logs"."event_message" AS "event_message"
FROM
  "log_events_0" AS "logs"
WHERE
  (CASE WHEN ("logs"."body" #>> '{metadata,metric}') ~ '^[ \t]*[-+]?([0-9]+(\.[0-9]*)?|\.[0-9]+)([eE][-+]?[0-9]+)?[ \t]*$' THEN CAST(("logs"."body" #>> '{metadata,metric}') AS DOUBLE PRECISION) END < CAST($1::TEXT AS DOUBLE PRECISION)) AND (("logs"."body" #>> '{metadata,user}') BETWEEN $2::TEXT AND $3::TEXT) ORDER BY "logs"."timestamp" DESC NULLS LAST LIMIT 100
-- params: lql_0, lql_1, lql_2
