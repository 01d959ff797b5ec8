SELECT timestamp, `field1` AS `field1`, `field2` AS `field2` FROM `my_cte` ORDER BY timestamp DESC LIMIT 100
-- params: 
