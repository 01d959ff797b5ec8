select cast(col as timestamp) as date from my_table
