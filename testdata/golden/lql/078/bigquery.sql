SELECT
  timestamp,
  id,
  event_message
FROM
  `log_events_3` AS `events`
WHERE
  (`metadata`[SAFE_OFFSET(0)].`level` = @lql_0) AND (`timestamp` BETWEEN CAST(@lql_1 AS TIMESTAMP) AND CAST(@lql_2 AS TIMESTAMP)) ORDER BY timestamp DESC LIMIT 100
-- params: lql_0, lql_1, lql_2
