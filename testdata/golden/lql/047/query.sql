SELECT TIMESTAMP_TRUNC(timestamp, MINUTE) AS timestamp, SUM(`metadata`.`metric`) AS value FROM `logs` GROUP BY 1 ORDER BY 1
-- params: 
