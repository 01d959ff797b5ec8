SELECT timestamp, id, event_message FROM `logs` WHERE (`metadata`.`isAllowed` = CAST(@lql_0 AS BOOL)) AND (`metadata`.`isAllowed` = CAST(@lql_1 AS BOOL)) ORDER BY timestamp DESC LIMIT 100
-- params: lql_0="true", lql_1="false"
