SELECT timestamp, id, event_message FROM `my_table` ORDER BY timestamp DESC LIMIT 100
-- params: 
