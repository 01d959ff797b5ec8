WITH postgres_logs AS (
  SELECT
    `t`.`timestamp` AS `timestamp`,
    `t`.`id` AS `id`,
    `t`.`event_message` AS `event_message`,
    `t`.`metadata` AS `metadata`
  FROM
    `log_events_postgres_logs` AS `t`
  WHERE
    CASE WHEN coalesce(@project, '') = '' THEN true ELSE coalesce(`t`.`project`, @project) = @project END AND CASE WHEN coalesce(@iso_timestamp_start, '') = '' THEN true ELSE `t`.`timestamp` > CAST(@iso_timestamp_start AS TIMESTAMP) END AND CASE WHEN coalesce(@iso_timestamp_end, '') = '' THEN true ELSE `t`.`timestamp` <= CAST(@iso_timestamp_end AS TIMESTAMP) END
)
SELECT
  `postgres_logs`.`id` AS `id`,
  `postgres_logs`.`timestamp` AS `timestamp`,
  `postgres_logs`.`event_message` AS `event_message`,
  `postgres_logs`.`metadata`[SAFE_OFFSET(0)].`parsed`[SAFE_OFFSET(0)].`command_tag` AS command_tag,
  `postgres_logs`.`metadata`[SAFE_OFFSET(0)].`parsed`[SAFE_OFFSET(0)].`user_name` AS db_user
FROM
  postgres_logs
WHERE
  `postgres_logs`.`metadata`[SAFE_OFFSET(0)].`parsed`[SAFE_OFFSET(0)].`command_tag` IN ('CREATE TABLE', 'DROP TABLE') ORDER BY `postgres_logs`.`timestamp` DESC NULLS LAST LIMIT 10
-- params: project, iso_timestamp_start, iso_timestamp_end
