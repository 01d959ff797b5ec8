SELECT
  regexp_contains(`t`.`test`, "str") AS has_substring
FROM
  `log_events_0` AS `t`
-- params: 
