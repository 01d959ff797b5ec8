SELECT
  "logs"."timestamp" AS "timestamp",
  "logs"."id" AS "id",
  "logs"."event_message" AS "event_message"
FROM
  "log_events_0" AS "logs"
WHERE
  (EXISTS (SELECT 1 FROM LATERAL jsonb_array_elements(CASE WHEN jsonb_typeof(("logs"."body" #> '{metadata,arr}')) = 'array' THEN ("logs"."body" #> '{metadata,arr}') END) AS "lql_item" ("value") WHERE ("lql_item"."value" #>> '{}') = $1::TEXT)) ORDER BY "logs"."timestamp" DESC NULLS LAST LIMIT 100
-- params: lql_0
