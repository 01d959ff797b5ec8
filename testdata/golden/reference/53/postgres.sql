SELECT
  NULL AS "field1",
  NULL AS "field2"
FROM
  "log_events_12" AS "t"
WHERE
  (CAST(NULL AS TEXT) = 'value') AND jsonb_typeof("t"."body" #> '{metadata}') = 'object'
-- params: 
