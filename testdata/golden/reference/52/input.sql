WITH data AS (SELECT t.timestamp, t.metadata FROM `table` AS t CROSS JOIN UNNEST(t.metadata) AS m WHERE m.project = 'test') SELECT * FROM data
