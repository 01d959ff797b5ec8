SELECT
  countif(`my_table`.`test` = '1') AS `f0_`
FROM
  `log_events_1` AS `my_table`
-- params: 
