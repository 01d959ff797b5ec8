SELECT TIMESTAMP_TRUNC(timestamp, MINUTE) AS timestamp, COUNT(`timestamp`) AS value FROM `logs` WHERE (`metadata`.`status` > CAST(@lql_0 AS INT64)) GROUP BY 1 ORDER BY 1
-- params: lql_0="500"
