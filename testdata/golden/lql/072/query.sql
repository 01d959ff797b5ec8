SELECT timestamp, id, event_message FROM `errors` ORDER BY timestamp DESC LIMIT 100
-- params: 
