SELECT
  `users`.`user_id` AS `user_id`,
  `users`.`email` AS `email`
FROM
  `log_events_9` AS `users`
WHERE
  REGEXP_CONTAINS(`users`.`email`, '@example\.com$')
-- params: 
