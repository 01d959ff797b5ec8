SELECT
  timestamp_trunc(current_timestamp(), day) AS t
-- params: 
