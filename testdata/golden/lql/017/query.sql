SELECT timestamp, id, event_message FROM `logs` WHERE (`timestamp` BETWEEN CAST(@lql_0 AS TIMESTAMP) AND CAST(@lql_1 AS TIMESTAMP)) ORDER BY timestamp DESC LIMIT 100
-- params: lql_0="2024-03-17T13:47:02.000000Z", lql_1="2024-03-17T13:57:02.000000Z"
