SELECT
  CASE
    WHEN regexp_matches(CAST("logs"."status" AS VARCHAR), '^[ \t]*[-+]?[0-9]+[ \t]*$') THEN
      CAST(CAST("logs"."status" AS VARCHAR) AS BIGINT)
  END AS status_code
FROM
  "log_events_8" AS "logs"
WHERE
  CASE WHEN regexp_matches(CAST(NULL AS VARCHAR), '^[ \t]*[-+]?[0-9]+[ \t]*$') THEN CAST(CAST(NULL AS VARCHAR) AS BIGINT) END > 400
-- params: 
