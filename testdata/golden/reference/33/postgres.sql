WITH mytable AS (
  SELECT
    "f"."body" AS "body"
  FROM
    "log_events_4" AS "f"
)
SELECT
  CASE
    WHEN ("t"."body" #>> '{col}') ~ '^[ \t]*[-+]?[0-9]+[ \t]*$' THEN
      CAST(("t"."body" #>> '{col}') AS BIGINT)
  END AS col
FROM
  mytable t
WHERE
  CASE WHEN ("t"."body" #>> '{col}') ~ '^[ \t]*[-+]?[0-9]+[ \t]*$' THEN CAST(("t"."body" #>> '{col}') AS BIGINT) END >= 123 AND CASE WHEN ("t"."body" #>> '{col}') ~ '^[ \t]*[-+]?[0-9]+[ \t]*$' THEN CAST(("t"."body" #>> '{col}') AS BIGINT) END <= 123 AND CASE WHEN ("t"."body" #>> '{col}') ~ '^[ \t]*[-+]?[0-9]+[ \t]*$' THEN CAST(("t"."body" #>> '{col}') AS BIGINT) END = 123 AND CASE WHEN ("t"."body" #>> '{col}') ~ '^[ \t]*[-+]?[0-9]+[ \t]*$' THEN CAST(("t"."body" #>> '{col}') AS BIGINT) END > 123 AND CASE WHEN ("t"."body" #>> '{col}') ~ '^[ \t]*[-+]?[0-9]+[ \t]*$' THEN CAST(("t"."body" #>> '{col}') AS BIGINT) END < 123 AND 123 >= CASE WHEN ("t"."body" #>> '{col}') ~ '^[ \t]*[-+]?[0-9]+[ \t]*$' THEN CAST(("t"."body" #>> '{col}') AS BIGINT) END AND 123 <= CASE WHEN ("t"."body" #>> '{col}') ~ '^[ \t]*[-+]?[0-9]+[ \t]*$' THEN CAST(("t"."body" #>> '{col}') AS BIGINT) END AND 123 = CASE WHEN ("t"."body" #>> '{col}') ~ '^[ \t]*[-+]?[0-9]+[ \t]*$' THEN CAST(("t"."body" #>> '{col}') AS BIGINT) END AND 123 > CASE WHEN ("t"."body" #>> '{col}') ~ '^[ \t]*[-+]?[0-9]+[ \t]*$' THEN CAST(("t"."body" #>> '{col}') AS BIGINT) END AND 123 < CASE WHEN ("t"."body" #>> '{col}') ~ '^[ \t]*[-+]?[0-9]+[ \t]*$' THEN CAST(("t"."body" #>> '{col}') AS BIGINT) END
-- params: 
