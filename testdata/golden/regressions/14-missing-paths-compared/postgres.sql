SELECT
  "postgres.logs"."id" AS "id",
  ("postgres.logs"."body" #>> '{metadata,parsed,command_tag}') AS tag
FROM
  "log_events_postgres_logs" AS "postgres.logs"
WHERE
  ("postgres.logs"."body" #>> '{metadata,parsed,user_name}') = 'postgres' OR ("postgres.logs"."body" #>> '{metadata,parsed,command_tag}') IN ('CREATE TABLE') OR CAST(NULL AS BIGINT) > 3
-- params: 
