SELECT timestamp, id, event_message FROM `logs` WHERE (`metadata`.`float` BETWEEN CAST(@lql_0 AS FLOAT64) AND CAST(@lql_1 AS FLOAT64)) AND (`metadata`.`int` BETWEEN CAST(@lql_2 AS INT64) AND CAST(@lql_3 AS INT64)) ORDER BY timestamp DESC LIMIT 100
-- params: lql_0="30.1", lql_1="300.1", lql_2="50", lql_3="200"
