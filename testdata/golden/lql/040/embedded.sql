SELECT
  "logs"."timestamp" AS "timestamp",
  "logs"."id" AS "id",
  "logs"."event_message" AS "event_message"
FROM
  "log_events_0" AS "logs"
WHERE
  (EXISTS (SELECT 1 FROM UNNEST(CAST("logs"."metadata.arr" AS JSON[])) AS "lql_item" ("value") WHERE json_extract_string("lql_item"."value", '$') = $1)) ORDER BY "logs"."timestamp" DESC NULLS LAST LIMIT 100
-- params: lql_0
