SELECT
  regexp_contains("string", "str") AS has_substring
-- params: 
