SELECT
  "logs"."timestamp" AS "timestamp",
  "logs"."id" AS "id",
  "logs"."event_message" AS "event_message"
FROM
  "log_events_0" AS "logs"
WHERE
  (("logs"."event_message" ~ $1::TEXT)) AND (("logs"."event_message" ~ $2::TEXT)) AND (("logs"."event_message" ~ $3::TEXT)) ORDER BY "logs"."timestamp" DESC NULLS LAST LIMIT 100
-- params: lql_0, lql_1, lql_2
