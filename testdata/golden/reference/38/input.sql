SELECT `field_name` FROM `table_name`
