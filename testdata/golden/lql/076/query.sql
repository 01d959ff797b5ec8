SELECT timestamp, id, event_message FROM `my_table_123` ORDER BY timestamp DESC LIMIT 100
-- params: 
