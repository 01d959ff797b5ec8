select timestamp_trunc(current_timestamp(), day) as t
