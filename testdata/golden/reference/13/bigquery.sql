WITH test AS (
  SELECT
    `mytable`.`id` AS `id`,
    `mytable`.`metadata` AS `metadata`
  FROM
    `log_events_2` AS `mytable`
)
SELECT
  `test`.`id` AS `id`,
  `test`.`metadata`[SAFE_OFFSET(0)].`request` AS `request`
FROM
  test
-- params: 
