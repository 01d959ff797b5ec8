WITH pg_upgrade_logs AS (
  SELECT
    `t`.`timestamp` AS `timestamp`,
    `t`.`id` AS `id`,
    `t`.`event_message` AS `event_message`,
    `t`.`metadata` AS `metadata`
  FROM
    `log_events_postgres_logs` AS `t`
  WHERE
    false AND `t`.`timestamp` IS NULL
)
SELECT
  `pg_upgrade_logs`.`id` AS `id`,
  `pg_upgrade_logs`.`timestamp` AS `timestamp`,
  `pg_upgrade_logs`.`event_message` AS `event_message`
FROM
  pg_upgrade_logs ORDER BY `pg_upgrade_logs`.`timestamp` DESC NULLS LAST LIMIT 100
-- params: 
