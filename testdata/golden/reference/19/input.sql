with a as (select 'test' as col from my_table t cross join unnest(t.metadata) as m where m.project = '123') select a.col from a
