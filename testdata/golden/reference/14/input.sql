with a as (select 'test' as col), b as (select 'btest' as other from a, my_table t where a.col = t.my_col) select a.col from a
