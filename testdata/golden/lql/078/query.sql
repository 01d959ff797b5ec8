SELECT timestamp, id, event_message FROM `events` WHERE (`metadata`.`level` = @lql_0) AND (`timestamp` BETWEEN CAST(@lql_1 AS TIMESTAMP) AND CAST(@lql_2 AS TIMESTAMP)) ORDER BY timestamp DESC LIMIT 100
-- params: lql_0="error", lql_1="2026-06-01T00:00:00.000000Z", lql_2="2026-06-01T10:30:00.000000Z"
