SELECT
  timestamp,
  id,
  event_message
FROM
  `log_events_0` AS `logs`
WHERE
  (EXISTS (SELECT 1 FROM UNNEST(`metadata`[SAFE_OFFSET(0)].`arr`) AS lql_item WHERE lql_item = @lql_0)) ORDER BY timestamp DESC LIMIT 100
-- params: lql_0
