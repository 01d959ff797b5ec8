SELECT
  date_trunc('day', (CURRENT_TIMESTAMP AT TIME ZONE 'UTC')) AS t
-- params: 
