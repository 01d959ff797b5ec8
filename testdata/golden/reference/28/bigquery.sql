WITH edge_logs AS (
  SELECT
    `t`.`timestamp` AS `timestamp`
  FROM
    `log_events_6` AS `t`
)
SELECT
  timestamp_trunc(`t`.`timestamp`, DAY) AS timestamp
FROM
  edge_logs t
-- params: 
