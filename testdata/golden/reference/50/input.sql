WITH logs AS (SELECT t.metadata FROM `table` AS t CROSS JOIN UNNEST(t.metadata) AS m) SELECT m.field FROM logs
