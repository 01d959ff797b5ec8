SELECT
  NULL AS `field_name`
FROM
  `log_events_7` AS `table_name`
-- params: 
