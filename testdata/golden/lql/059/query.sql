SELECT timestamp, id, event_message FROM `logs` WHERE (`timestamp` BETWEEN CAST(@lql_0 AS TIMESTAMP) AND CAST(@lql_1 AS TIMESTAMP)) ORDER BY timestamp DESC LIMIT 100
-- params: lql_0="2020-05-01T00:00:00.000000Z", lql_1="2020-05-02T00:00:00.000000Z"
