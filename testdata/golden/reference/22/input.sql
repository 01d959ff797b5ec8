select DATE_TRUNC('day', col) as date from my_table
