SELECT
  CURRENT_TIMESTAMP() AS now
-- params: 
