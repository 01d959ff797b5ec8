SELECT
  ('string' ~ 'str') AS has_substring
-- params: 
