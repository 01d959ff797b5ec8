SELECT
  "users"."user_id" AS "user_id",
  "users"."email" AS "email"
FROM
  "log_events_9" AS "users"
WHERE
  regexp_matches("users"."email", '@example\.com$')
-- params: 
