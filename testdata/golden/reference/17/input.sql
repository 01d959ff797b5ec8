with a as (select 'test' as col from my_table t order by cast(t.my_col as timestamp) desc) select a.col from a
