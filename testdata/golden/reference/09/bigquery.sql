SELECT
  countif(test = '1')
FROM
  `log_events_1` AS `my_table`
-- params: 
