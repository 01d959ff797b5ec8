SELECT
  `postgres_logs`.`id` AS `id`,
  `postgres_logs`.`metadata`[SAFE_OFFSET(0)].`parsed`[SAFE_OFFSET(0)].`command_tag` AS tag
FROM
  `log_events_postgres_logs` AS `postgres_logs`
WHERE
  `postgres_logs`.`metadata`[SAFE_OFFSET(0)].`parsed`[SAFE_OFFSET(0)].`user_name` = 'postgres' OR `postgres_logs`.`metadata`[SAFE_OFFSET(0)].`parsed`[SAFE_OFFSET(0)].`command_tag` IN ('CREATE TABLE') OR CAST(NULL AS INT64) > 3
-- params: 
