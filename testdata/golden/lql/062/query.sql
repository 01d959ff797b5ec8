SELECT timestamp, id, event_message FROM `logs` WHERE (`timestamp` BETWEEN CAST(@lql_0 AS TIMESTAMP) AND CAST(@lql_1 AS TIMESTAMP)) ORDER BY timestamp DESC LIMIT 100
-- params: lql_0="2020-01-01T00:15:35.000001Z", lql_1="2020-12-30T23:20:55.585444Z"
