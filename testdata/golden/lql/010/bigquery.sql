SELECT
  timestamp,
  id,
  event_message
FROM
  `log_events_0` AS `logs`
WHERE
  (`a` = @lql_0) AND (`b`[SAFE_OFFSET(0)].`c`[SAFE_OFFSET(0)].`d` = @lql_1) ORDER BY timestamp DESC LIMIT 100
-- params: lql_0, lql_1
