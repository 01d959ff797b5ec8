SELECT t.field1, t.field2 FROM `table` AS t CROSS JOIN UNNEST(t.metadata) AS m WHERE m.nested_field = 'value'
