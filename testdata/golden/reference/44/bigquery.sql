SELECT
  `logs`.`id` AS `id`,
  `logs`.`email` AS `email`
FROM
  `log_events_8` AS `logs`
WHERE
  `logs`.`status` = 'active' AND REGEXP_CONTAINS(`logs`.`email`, '@example\.com$')
-- params: 
