SELECT
  "t"."test" AS "test",
  "t"."metadata.nested" AS "nested"
FROM
  "log_events_0" AS "t"
WHERE
  ("t"."metadata.nested" IS NOT NULL) AND "t"."metadata" IS NOT NULL
-- params: 
