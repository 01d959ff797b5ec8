SELECT
  timestamp,
  id,
  event_message
FROM
  `log_events_1` AS `my_table`
WHERE
  (`metadata`[SAFE_OFFSET(0)].`status` = @lql_0) ORDER BY timestamp DESC LIMIT 100
-- params: lql_0
