SELECT
  user_id,
  email
FROM
  `log_events_9` AS `users`
WHERE
  REGEXP_CONTAINS(email, '@example.com$')
-- params: 
