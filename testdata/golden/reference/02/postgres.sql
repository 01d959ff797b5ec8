SELECT
  count("t"."id") AS count
FROM
  "log_events_0" AS "t"
WHERE
  (CASE WHEN ("t"."body" #>> '{metadata,num}') ~ '^[ \t]*[-+]?[0-9]+[ \t]*$' THEN CAST(("t"."body" #>> '{metadata,num}') AS BIGINT) END > 100) AND jsonb_typeof("t"."body" #> '{metadata}') = 'object'
-- params: 
