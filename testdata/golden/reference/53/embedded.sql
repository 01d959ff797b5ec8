SELECT
  NULL AS "field1",
  NULL AS "field2"
FROM
  "log_events_12" AS "t"
WHERE
  (CAST(NULL AS VARCHAR) = 'value') AND "t"."metadata" IS NOT NULL
-- params: 
