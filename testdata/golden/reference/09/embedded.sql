SELECT
  count(CASE WHEN "my_table"."test" = '1' THEN 1 END) AS "f0_"
FROM
  "log_events_1" AS "my_table"
-- params: 
