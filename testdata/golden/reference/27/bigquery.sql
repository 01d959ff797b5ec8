SELECT
  `t`.`timestamp` AS ts
FROM
  `log_events_1` AS `t`
-- params: 
