SELECT timestamp, id, event_message FROM `logs` WHERE (`timestamp` BETWEEN CAST(@lql_0 AS TIMESTAMP) AND CAST(@lql_1 AS TIMESTAMP)) ORDER BY timestamp DESC LIMIT 100
-- params: lql_0="2026-01-01T00:00:00.000000Z", lql_1="2026-06-01T10:30:00.000000Z"
