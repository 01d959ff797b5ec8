SELECT
  `c_d_e`.`test` AS `test`
FROM
  `log_events_0` AS `c_d_e`
-- params: 
