SELECT timestamp, id, event_message FROM `logs` WHERE (STRPOS(`event_message`, @lql_0) > 0) ORDER BY timestamp DESC LIMIT 100
-- params: lql_0="my%string"
