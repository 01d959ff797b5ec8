SELECT
  "logs"."timestamp" AS "timestamp",
  "logs"."id" AS "id",
  "logs"."event_message" AS "event_message"
FROM
  "log_events_0" AS "logs"
WHERE
  (strpos("logs"."event_message", $1::TEXT) > 0) AND (strpos("logs"."event_message", $2::TEXT) > 0) AND ((("logs"."body" #>> '{metadata,context,address}') ~ $3::TEXT)) AND (("logs"."body" #>> '{metadata,context,file}') = $4::TEXT) AND (CASE WHEN ("logs"."body" #>> '{metadata,context,line_number}') ~ '^[ \t]*[-+]?[0-9]+[ \t]*$' THEN CAST(("logs"."body" #>> '{metadata,context,line_number}') AS BIGINT) END = CAST($5::TEXT AS BIGINT)) AND ("logs"."timestamp" > CAST($6::TEXT AS TIMESTAMP)) AND ("logs"."timestamp" <= CAST($7::TEXT AS TIMESTAMP)) AND ("logs"."timestamp" < CAST($8::TEXT AS TIMESTAMP)) AND ("logs"."timestamp" >= CAST($9::TEXT AS TIMESTAMP)) AND ("logs"."timestamp" <= CAST($10::TEXT AS TIMESTAMP)) ORDER BY "logs"."timestamp" DESC NULLS LAST LIMIT 100
-- params: lql_0, lql_1, lql_2, lql_3, lql_4, lql_5, lql_6, lql_7, lql_8, lql_9
