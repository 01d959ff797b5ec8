SELECT
  timestamp,
  id,
  event_message
FROM
  `log_events_0` AS `logs`
WHERE
  (`metadata`[SAFE_OFFSET(0)].`int` IS NULL OR NOT (`metadata`[SAFE_OFFSET(0)].`int` >= CAST(@lql_0 AS INT64))) AND (`metadata`[SAFE_OFFSET(0)].`str` IS NULL OR NOT (REGEXP_CONTAINS(`metadata`[SAFE_OFFSET(0)].`str`, @lql_1))) AND (`timestamp` IS NULL OR NOT (`timestamp` BETWEEN CAST(@lql_2 AS TIMESTAMP) AND CAST(@lql_3 AS TIMESTAMP))) ORDER BY timestamp DESC LIMIT 100
-- params: lql_0, lql_1, lql_2, lql_3
