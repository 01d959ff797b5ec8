SELECT
  test
FROM
  `log_events_0` AS `c.d.e`
-- params: 
