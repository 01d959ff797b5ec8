select t.id = 'test' as value from my_table t
