SELECT
  id
FROM
  `log_events_3` AS `t` ORDER BY t.my_col
-- params: 
