SELECT
  SAFE_CAST(`logs`.`status` AS INT64) AS status_code
FROM
  `log_events_8` AS `logs`
WHERE
  SAFE_CAST(NULL AS INT64) > 400
-- params: 
