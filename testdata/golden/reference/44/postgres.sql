SELECT
  "logs"."id" AS "id",
  ("logs"."body" #>> '{email}') AS "email"
FROM
  "log_events_8" AS "logs"
WHERE
  ("logs"."body" #>> '{status}') = 'active' AND (("logs"."body" #>> '{email}') ~ '@example\.com$')
-- params: 
