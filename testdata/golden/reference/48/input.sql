WITH logs AS (SELECT t.metadata FROM `table` AS t) SELECT logs.metadata.msg, logs.metadata.level FROM logs
