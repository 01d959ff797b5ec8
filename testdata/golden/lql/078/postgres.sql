SELECT
  "events"."timestamp" AS "timestamp",
  "events"."id" AS "id",
  "events"."event_message" AS "event_message"
FROM
  "log_events_3" AS "events"
WHERE
  (("events"."body" #>> '{metadata,level}') = $1::TEXT) AND ("events"."timestamp" BETWEEN CAST($2::TEXT AS TIMESTAMP) AND CAST($3::TEXT AS TIMESTAMP)) ORDER BY "events"."timestamp" DESC NULLS LAST LIMIT 100
-- params: lql_0, lql_1, lql_2
