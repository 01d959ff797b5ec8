WITH mytable AS (
  SELECT
    `f`.`col` AS col
  FROM
    `log_events_4` AS `f`
)
SELECT
  `t`.`col` AS col
FROM
  mytable t
WHERE
  `t`.`col` >= 123 AND `t`.`col` <= 123 AND `t`.`col` = 123 AND `t`.`col` > 123 AND `t`.`col` < 123 AND 123 >= `t`.`col` AND 123 <= `t`.`col` AND 123 = `t`.`col` AND 123 > `t`.`col` AND 123 < `t`.`col`
-- params: 
