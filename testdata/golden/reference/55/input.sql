WITH logs AS (SELECT t.timestamp, t.id FROM `table` AS t WHERE t.project = 'test') SELECT * FROM logs WHERE CAST(timestamp AS BIGINT) > 1000000
