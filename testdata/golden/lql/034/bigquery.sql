SELECT
  timestamp,
  id,
  event_message
FROM
  `log_events_0` AS `logs`
WHERE
  (`metadata`[SAFE_OFFSET(0)].`nullable` IS NULL) ORDER BY timestamp DESC LIMIT 100
-- params: 
