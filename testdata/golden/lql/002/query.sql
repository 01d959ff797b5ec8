SELECT timestamp, id, event_message FROM `logs` ORDER BY timestamp DESC LIMIT 100
-- params: 
