SELECT
  `t`.`id` AS `id`
FROM
  `log_events_3` AS `t` ORDER BY `t`.`my_col` NULLS FIRST
-- params: 
