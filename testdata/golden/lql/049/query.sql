SELECT TIMESTAMP_TRUNC(timestamp, MINUTE) AS timestamp, COUNT(DISTINCT `host`) AS value FROM `logs` GROUP BY 1 ORDER BY 1
-- params: 
