WITH logs AS (
  SELECT
    "t"."body" AS "body"
  FROM
    "log_events_12" AS "t"
  WHERE
    jsonb_typeof("t"."body" #> '{metadata}') = 'object'
)
SELECT
  NULL AS "field"
FROM
  logs
-- params: 
