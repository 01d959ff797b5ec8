select count(t.id) as count  from `c.d.e` t cross join unnest(t.metadata) as m where m.num > 100
