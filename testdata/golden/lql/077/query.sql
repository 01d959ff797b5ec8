SELECT timestamp, id, event_message FROM `_private_table` ORDER BY timestamp DESC LIMIT 100
-- params: 
