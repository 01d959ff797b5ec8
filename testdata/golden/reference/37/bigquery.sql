WITH logs AS (
  SELECT
    `t`.`timestamp` AS `timestamp`,
    `t`.`id` AS `id`,
    `t`.`event_message` AS `event_message`,
    `t`.`metadata` AS `metadata`
  FROM
    `log_events_4` AS `t`
    CROSS JOIN UNNEST(`t`.`metadata`) AS `m`
)
SELECT
  `logs`.`event_message` AS `event_message`,
  `request`.`method` AS `method`,
  NULL AS `path`,
  NULL AS `status_code`
FROM
  logs
  CROSS JOIN UNNEST(`logs`.`metadata`) AS `m`
  CROSS JOIN UNNEST(`m`.`request`) AS `request`
WHERE
  false
-- params: 
