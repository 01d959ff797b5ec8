SELECT
  timestamp,
  id,
  event_message
FROM
  `log_events_0` AS `logs`
WHERE
  (`timestamp` BETWEEN CAST(@lql_0 AS TIMESTAMP) AND CAST(@lql_1 AS TIMESTAMP)) ORDER BY timestamp DESC LIMIT 100
-- params: lql_0, lql_1
