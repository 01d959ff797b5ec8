SELECT
  ("users"."body" #>> '{user_id}') AS "user_id",
  ("users"."body" #>> '{email}') AS "email"
FROM
  "log_events_9" AS "users"
WHERE
  (("users"."body" #>> '{email}') ~ '@example\.com$')
-- params: 
