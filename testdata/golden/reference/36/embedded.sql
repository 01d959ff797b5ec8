SELECT
  count(CASE WHEN ("t"."metadata.request.method" IN ('GET', 'POST')) THEN 1 END) AS count
FROM
  "log_events_4" AS "t"
WHERE
  "t"."metadata" IS NOT NULL AND "t"."metadata.request" IS NOT NULL
-- params: 
