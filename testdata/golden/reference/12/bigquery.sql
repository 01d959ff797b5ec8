SELECT
  timestamp_trunc(current_timestamp(), DAY) AS t
-- params: 
