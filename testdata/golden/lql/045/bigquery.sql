SELECT
  timestamp,
  id,
  event_message
FROM
  `log_events_0` AS `logs`
WHERE
  (`metadata`[SAFE_OFFSET(0)].`metric` < CAST(@lql_0 AS FLOAT64)) AND (`metadata`[SAFE_OFFSET(0)].`user` BETWEEN @lql_1 AND @lql_2) ORDER BY timestamp DESC LIMIT 100
-- params: lql_0, lql_1, lql_2
