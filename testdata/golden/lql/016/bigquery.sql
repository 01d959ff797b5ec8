SELECT
  timestamp,
  id,
  event_message
FROM
  `log_events_0` AS `logs`
WHERE
  (`timestamp` > CAST(@lql_0 AS TIMESTAMP)) AND (`timestamp` >= CAST(@lql_1 AS TIMESTAMP)) AND (`timestamp` < CAST(@lql_2 AS TIMESTAMP)) AND (`timestamp` <= CAST(@lql_3 AS TIMESTAMP)) ORDER BY timestamp DESC LIMIT 100
-- params: lql_0, lql_1, lql_2, lql_3
