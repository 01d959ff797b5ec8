SELECT
  `auth_logs`.`id` AS `id`,
  `auth_logs`.`timestamp` AS `timestamp`,
  `auth_logs`.`event_message` AS `event_message`,
  `auth_logs`.`metadata` AS `metadata`
FROM
  `log_events_10` AS `auth_logs`
WHERE
  `auth_logs`.`timestamp` > TIMESTAMP('2025-01-01')
-- params: 
