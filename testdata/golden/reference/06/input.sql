select m.nested as nested from `c.d.e` t cross join unnest(t.metadata) as m where regexp_contains(m.nested, "val")
