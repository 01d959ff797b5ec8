SELECT
  CASE
    WHEN CAST(("logs"."body" #>> '{status}') AS TEXT) ~ '^[ \t]*[-+]?[0-9]+[ \t]*$' THEN
      CAST(CAST(("logs"."body" #>> '{status}') AS TEXT) AS BIGINT)
  END AS status_code
FROM
  "log_events_8" AS "logs"
WHERE
  CASE WHEN CAST(NULL AS TEXT) ~ '^[ \t]*[-+]?[0-9]+[ \t]*$' THEN CAST(CAST(NULL AS TEXT) AS BIGINT) END > 400
-- params: 
