SELECT
  CASE
    WHEN ("t"."body" #>> '{col}') ~ '^[ \t]*[-+]?[0-9]+[ \t]*$' THEN
      CAST(("t"."body" #>> '{col}') AS BIGINT)
  END AS col
FROM
  "log_events_4" AS "t"
WHERE
  CASE WHEN ("t"."body" #>> '{col}') ~ '^[ \t]*[-+]?[0-9]+[ \t]*$' THEN CAST(("t"."body" #>> '{col}') AS BIGINT) END IN ('val') AND CASE WHEN ("t"."body" #>> '{col}') ~ '^[ \t]*[-+]?[0-9]+[ \t]*$' THEN CAST(("t"."body" #>> '{col}') AS BIGINT) END NOT IN ('other')
-- params: 
