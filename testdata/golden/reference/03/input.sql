select regexp_contains("string", "str") as has_substring
