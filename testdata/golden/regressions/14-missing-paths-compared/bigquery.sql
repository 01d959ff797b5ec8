SELECT
  id,
  metadata[0].parsed[0].command_tag AS tag
FROM
  `log_events_postgres_logs` AS `postgres.logs`
WHERE
  metadata[SAFE_OFFSET(0)].parsed[SAFE_OFFSET(0)].user_name = 'postgres' OR metadata[0].parsed[0].command_tag IN ('CREATE TABLE') OR CAST(NULL AS INT64) > 3
-- params: 
