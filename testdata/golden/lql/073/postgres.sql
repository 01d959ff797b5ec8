SELECT
  "my_table"."timestamp" AS "timestamp",
  "my_table"."id" AS "id",
  "my_table"."event_message" AS "event_message"
FROM
  "log_events_1" AS "my_table"
WHERE
  (CASE WHEN ("my_table"."body" #>> '{metadata,status}') ~ '^[ \t]*[-+]?[0-9]+[ \t]*$' THEN CAST(("my_table"."body" #>> '{metadata,status}') AS BIGINT) END = $1::TEXT) ORDER BY "my_table"."timestamp" DESC NULLS LAST LIMIT 100
-- params: lql_0
