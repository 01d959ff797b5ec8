SELECT
  timestamp,
  id,
  event_message
FROM
  `log_events_0` AS `logs`
WHERE
  (REGEXP_CONTAINS(`event_message`, @lql_0)) AND (REGEXP_CONTAINS(`event_message`, @lql_1)) ORDER BY timestamp DESC LIMIT 100
-- params: lql_0, lql_1
