SELECT TIMESTAMP_TRUNC(timestamp, HOUR) AS timestamp, AVG(`metadata`.`latency`) AS value FROM `logs` GROUP BY 1 ORDER BY 1
-- params: 
