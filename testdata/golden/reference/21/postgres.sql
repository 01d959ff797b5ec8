SELECT
  CAST(CASE WHEN ("my_table"."body" #>> '{col}') ~ '^[ \t]*[-+]?[0-9]+[ \t]*$' THEN CAST(("my_table"."body" #>> '{col}') AS BIGINT) END AS TIMESTAMP) AS date
FROM
  "log_events_1" AS "my_table"
-- params: 
