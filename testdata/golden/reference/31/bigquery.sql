SELECT
  `t`.`col` AS col
FROM
  `log_events_4` AS `t`
WHERE
  `t`.`col` IN ('val') AND `t`.`col` NOT IN ('other')
-- params: 
