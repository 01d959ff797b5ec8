SELECT timestamp, id, event_message FROM `logs` WHERE (`metadata`.`metric` < CAST(@lql_0 AS FLOAT64)) AND (`metadata`.`user` BETWEEN @lql_1 AND @lql_2) ORDER BY timestamp DESC LIMIT 100
-- params: lql_0="10", lql_1="0.1", lql_2="100.111"
