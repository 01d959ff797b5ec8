SELECT timestamp, id, event_message FROM `logs` WHERE (`a` = @lql_0) ORDER BY timestamp DESC LIMIT 100
-- params: lql_0="testing"
