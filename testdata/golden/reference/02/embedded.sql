SELECT
  count("t"."id") AS count
FROM
  "log_events_0" AS "t"
WHERE
  ("t"."metadata.num" > 100) AND "t"."metadata" IS NOT NULL
-- params: 
