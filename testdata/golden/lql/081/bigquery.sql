SELECT
  `logs`.`timestamp` AS `timestamp`,
  `logs`.`field1` AS `field1`,
  `logs`.`field2` AS `field2`
FROM
  `log_events_0` AS `logs` ORDER BY `logs`.`timestamp` DESC NULLS LAST LIMIT 100
-- params: 
