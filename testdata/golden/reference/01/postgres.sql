SELECT
  ("t"."body" #>> '{test}') AS "test",
  ("t"."body" #>> '{metadata,nested}') AS "nested"
FROM
  "log_events_0" AS "t"
WHERE
  (("t"."body" #>> '{metadata,nested}') IS NOT NULL) AND jsonb_typeof("t"."body" #> '{metadata}') = 'object'
-- params: 
