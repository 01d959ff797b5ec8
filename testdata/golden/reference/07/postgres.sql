WITH data AS (
  SELECT
    "c.d.e"."body" AS "body"
  FROM
    "log_events_0" AS "c.d.e"
)
SELECT
  NULL AS nested
FROM
  data t
WHERE
  ((NULL ~ 'deep')) AND false
-- params: 
