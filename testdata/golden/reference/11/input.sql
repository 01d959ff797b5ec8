select timestamp_sub(current_timestamp(), interval 1 day) as t
