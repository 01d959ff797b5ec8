SELECT
  ("t"."body" #>> '{metadata,nested}') AS nested
FROM
  "log_events_0" AS "t"
WHERE
  ((("t"."body" #>> '{metadata,nested}') ~ 'val')) AND jsonb_typeof("t"."body" #> '{metadata}') = 'object'
-- params: 
