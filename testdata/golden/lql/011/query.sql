SELECT timestamp, id, event_message FROM `logs` WHERE (REGEXP_CONTAINS(`event_message`, @lql_0)) AND (REGEXP_CONTAINS(`event_message`, @lql_1)) AND (REGEXP_CONTAINS(`event_message`, @lql_2)) ORDER BY timestamp DESC LIMIT 100
-- params: lql_0="new", lql_1="user sign up", lql_2="^error$"
