SELECT timestamp, id, event_message FROM `logs` WHERE (`metadata`.`nullable` IS NULL) ORDER BY timestamp DESC LIMIT 100
-- params: 
