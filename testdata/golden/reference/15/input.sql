with a as (select 'test' from `my.table` t) select 'test' from `a`
