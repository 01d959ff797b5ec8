WITH auth_logs AS (
  SELECT
    `t`.`timestamp` AS `timestamp`,
    `t`.`id` AS `id`,
    `t`.`event_message` AS `event_message`,
    `t`.`metadata` AS `metadata`
  FROM
    `log_events_11` AS `t`
    CROSS JOIN UNNEST(`t`.`metadata`) AS `m`
  WHERE
    `t`.`project` = 'test'
)
SELECT
  `auth_logs`.`id` AS `id`,
  `auth_logs`.`timestamp` AS `timestamp`,
  `auth_logs`.`event_message` AS `event_message`,
  `metadata__unnested`.`level` AS `level`,
  NULL AS `status`,
  `metadata__unnested`.`msg` AS `msg`
FROM
  auth_logs
  CROSS JOIN UNNEST(`auth_logs`.`metadata`) AS `metadata__unnested` ORDER BY `auth_logs`.`timestamp` DESC NULLS LAST LIMIT 100
-- params: 
