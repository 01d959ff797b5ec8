SELECT timestamp, id, event_message FROM `logs` WHERE (`timestamp` > CAST(@lql_0 AS TIMESTAMP)) ORDER BY timestamp DESC LIMIT 100
-- params: lql_0="2020-01-01T13:14:15.000500Z"
