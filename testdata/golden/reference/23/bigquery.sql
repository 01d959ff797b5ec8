SELECT
  `t`.`id` = 'test' AS value
FROM
  `log_events_1` AS `t`
-- params: 
