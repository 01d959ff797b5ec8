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
  `postgres_logs`.`timestamp` AS `timestamp`,
  `postgres_logs`.`id` AS `id`,
  `postgres_logs`.`event_message` AS `event_message`,
  `parsed`.`error_severity` AS `error_severity`,
  NULL AS `detail`,
  NULL AS `hint`
FROM
  postgres_logs
  CROSS JOIN UNNEST(`postgres_logs`.`metadata`) AS `m`
  CROSS JOIN UNNEST(`m`.`parsed`) AS `parsed` ORDER BY `postgres_logs`.`timestamp` DESC NULLS LAST LIMIT 100
-- params: project, iso_timestamp_start, iso_timestamp_end
