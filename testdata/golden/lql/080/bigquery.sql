SELECT
  TIMESTAMP_TRUNC(timestamp, MINUTE) AS timestamp,
  COUNT(`timestamp`) AS value
FROM
  `log_events_0` AS `logs`
WHERE
  (`metadata`[SAFE_OFFSET(0)].`status` > CAST(@lql_0 AS INT64))
GROUP BY
  1 ORDER BY 1
-- params: lql_0
