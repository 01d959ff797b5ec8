select countif(test = '1') from my_table
