SELECT
  timestamp_sub(current_timestamp(), INTERVAL 1 DAY) AS t
-- params: 
