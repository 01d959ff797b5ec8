select regexp_contains(m.nested, "val") as has_substring from `c.d.e` t cross join unnest(t.metadata) as m
