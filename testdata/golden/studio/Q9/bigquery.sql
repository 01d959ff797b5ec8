WITH supavisor_logs AS (
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
  `supavisor_logs`.`id` AS `id`,
  `supavisor_logs`.`timestamp` AS `timestamp`,
  `supavisor_logs`.`event_message` AS `event_message`
FROM
  supavisor_logs
  CROSS JOIN UNNEST(`supavisor_logs`.`metadata`) AS `m` ORDER BY `supavisor_logs`.`timestamp` DESC NULLS LAST LIMIT 100
-- params: 
