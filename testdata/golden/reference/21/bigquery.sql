SELECT
  CAST(`my_table`.`col` AS TIMESTAMP) AS date
FROM
  `log_events_1` AS `my_table`
-- params: 
