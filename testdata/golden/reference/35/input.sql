cross join unnest(c.nested) as d where d.num between 200 and 299
