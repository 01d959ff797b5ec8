SELECT
  "t"."metadata.nested" AS nested
FROM
  "log_events_0" AS "t"
WHERE
  (regexp_matches("t"."metadata.nested", 'val')) AND "t"."metadata" IS NOT NULL
-- params: 
