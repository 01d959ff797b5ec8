WITH auth_audit_logs AS (
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
  CAST(`auth_audit_logs`.`timestamp` AS DATETIME) AS timestamp,
  `auth_audit_logs`.`event_message` AS `event_message`,
  `auth_audit_logs`.`metadata` AS `metadata`
FROM
  auth_audit_logs LIMIT 10
-- params: 
