SELECT
  "field_name" AS "field_name"
FROM
  "log_events_7" AS "table_name"
-- params: 
