SELECT TIMESTAMP_TRUNC(timestamp, DAY) AS timestamp, MAX(`request`.`headers`.`content_length`) AS value FROM `logs` GROUP BY 1 ORDER BY 1
-- params: 
