SELECT
  id,
  email
FROM
  `log_events_8` AS `logs`
WHERE
  status = 'active' AND REGEXP_CONTAINS(email, '@example.com$')
-- params: 
