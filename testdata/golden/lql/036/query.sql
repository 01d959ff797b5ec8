SELECT timestamp, id, event_message FROM `logs` WHERE (`metadata`.`level` IN (@lql_0, @lql_1)) ORDER BY timestamp DESC LIMIT 100
-- params: lql_0="notice", lql_1="warning"
