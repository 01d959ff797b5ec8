WITH postgres_logs AS (
  SELECT
    `t`.`timestamp` AS `timestamp`,
    `t`.`event_message` AS `event_message`
  FROM
    `log_events_12` AS `t`
  WHERE
    `t`.`project` = 'test'
)
SELECT
  `postgres_logs`.`event_message` AS `event_message`
FROM
  postgres_logs
WHERE
  REGEXP_CONTAINS(`postgres_logs`.`event_message`, 'cron job')
-- params: 
