SELECT
  regexp_matches('string', 'str') AS has_substring
-- params: 
