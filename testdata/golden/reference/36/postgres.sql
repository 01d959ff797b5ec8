SELECT
  count(CASE WHEN (("t"."body" #>> '{metadata,request,method}') IN ('GET', 'POST')) THEN 1 END) AS count
FROM
  "log_events_4" AS "t"
WHERE
  jsonb_typeof("t"."body" #> '{metadata}') = 'object' AND jsonb_typeof("t"."body" #> '{metadata,request}') = 'object'
-- params: 
