with data as (select metadata from `c.d.e`) select d.even as nested from data t cross join unnest(t.deep) as d where regexp_contains(d.even, "deep")
