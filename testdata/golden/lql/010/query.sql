SELECT timestamp, id, event_message FROM `logs` WHERE (`a` = @lql_0) AND (`b`.`c`.`d` = @lql_1) ORDER BY timestamp DESC LIMIT 100
-- params: lql_0="testing", lql_1="nested"
