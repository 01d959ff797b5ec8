SELECT timestamp, id, event_message FROM `logs` WHERE (EXISTS (SELECT 1 FROM UNNEST(`metadata`.`arr`) AS lql_item WHERE lql_item = @lql_0)) ORDER BY timestamp DESC LIMIT 100
-- params: lql_0="1"
