WITH logs AS (
  SELECT
    "t"."body" AS "body"
  FROM
    "log_events_12" AS "t"
)
SELECT
  ("logs"."body" #>> '{metadata,msg}') AS "msg",
  ("logs"."body" #>> '{metadata,level}') AS "level"
FROM
  logs
-- params: 
