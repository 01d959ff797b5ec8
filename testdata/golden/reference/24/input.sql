select id from my_source t order by t.my_col
