select test, m.nested from `c.d.e` t cross join unnest(t.metadata) as m where m.nested is not null
