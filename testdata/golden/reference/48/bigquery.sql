WITH logs AS (
  SELECT
    `t`.`metadata` AS `metadata`
  FROM
    `log_events_12` AS `t`
)
SELECT
  `logs`.`metadata`[SAFE_OFFSET(0)].`msg` AS `msg`,
  `logs`.`metadata`[SAFE_OFFSET(0)].`level` AS `level`
FROM
  logs
-- params: 
