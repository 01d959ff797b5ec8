SELECT
  `t`.`col` AS col
FROM
  `log_events_4` AS `t`
WHERE
  `t`.`col` BETWEEN 200 AND 299
-- params: 
