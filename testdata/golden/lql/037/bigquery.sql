SELECT
  timestamp,
  id,
  event_message
FROM
  `log_events_0` AS `logs`
WHERE
  (`metadata`[SAFE_OFFSET(0)].`level` IN (@lql_0, @lql_1, @lql_2, @lql_3, @lql_4)) ORDER BY timestamp DESC LIMIT 100
-- params: lql_0, lql_1, lql_2, lql_3, lql_4
