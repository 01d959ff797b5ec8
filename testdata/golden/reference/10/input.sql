select current_timestamp() as t
