SELECT timestamp, id, event_message FROM `logs` WHERE (`metadata`.`level` IN (@lql_0, @lql_1, @lql_2, @lql_3, @lql_4, @lql_5)) ORDER BY timestamp DESC LIMIT 100
-- params: lql_0="debug", lql_1="info", lql_2="notice", lql_3="warning", lql_4="error", lql_5="critical"
