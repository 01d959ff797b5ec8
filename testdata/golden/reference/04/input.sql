select regexp_contains(t.test, "str") as has_substring from `c.d.e` t
