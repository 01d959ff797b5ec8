SELECT
  `my_cte`.`timestamp` AS `timestamp`,
  `my_cte`.`field1` AS `field1`,
  `my_cte`.`field2` AS `field2`
FROM
  `log_events_6` AS `my_cte` ORDER BY `my_cte`.`timestamp` DESC NULLS LAST LIMIT 100
-- params: 
