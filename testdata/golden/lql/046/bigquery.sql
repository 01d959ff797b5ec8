SELECT
  timestamp,
  id,
  event_message
FROM
  `log_events_0` AS `logs`
WHERE
  (`metadata`[SAFE_OFFSET(0)].`isAllowed` = CAST(@lql_0 AS BOOL)) AND (`metadata`[SAFE_OFFSET(0)].`isAllowed` = CAST(@lql_1 AS BOOL)) ORDER BY timestamp DESC LIMIT 100
-- params: lql_0, lql_1
