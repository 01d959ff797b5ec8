SELECT timestamp, id, event_message FROM `my_table` WHERE (`metadata`.`status` = @lql_0) ORDER BY timestamp DESC LIMIT 100
-- params: lql_0="error"
