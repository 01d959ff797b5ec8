select t.timestamp as ts from my_table t
