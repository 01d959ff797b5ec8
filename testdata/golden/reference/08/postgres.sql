SELECT
  ("c.d.e"."body" #>> '{test}') AS "test"
FROM
  "log_events_0" AS "c.d.e"
-- params: 
