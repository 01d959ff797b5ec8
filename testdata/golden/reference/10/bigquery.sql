SELECT
  current_timestamp() AS t
-- params: 
