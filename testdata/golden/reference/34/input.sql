select count(t.id) as count from `my.source` t cross join unnest(t.col) as c where c.nested between 200 and 299
