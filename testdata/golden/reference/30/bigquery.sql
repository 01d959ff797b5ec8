WITH edge_logs AS (
  SELECT
    `t`.`id` AS `id`
  FROM
    `log_events_6` AS `t`
)
SELECT
  `t`.`id` AS id
FROM
  edge_logs t
WHERE
  `t`.`id` = '123'
-- params: 
