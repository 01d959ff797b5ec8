SELECT
  "t"."id" AS "id"
FROM
  "log_events_3" AS "t" ORDER BY ("t"."body" #>> '{my_col}') NULLS FIRST
-- params: 
