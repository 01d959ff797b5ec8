SELECT
  (("t"."body" #>> '{metadata,nested}') ~ 'val') AS has_substring
FROM
  "log_events_0" AS "t"
WHERE
  jsonb_typeof("t"."body" #> '{metadata}') = 'object'
-- params: 
