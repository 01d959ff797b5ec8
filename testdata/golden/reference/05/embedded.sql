SELECT
  regexp_matches("t"."metadata.nested", 'val') AS has_substring
FROM
  "log_events_0" AS "t"
WHERE
  "t"."metadata" IS NOT NULL
-- params: 
