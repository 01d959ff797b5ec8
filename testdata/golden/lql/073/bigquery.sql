SELECT
  `my_table`.`timestamp` AS `timestamp`,
  `my_table`.`id` AS `id`,
  `my_table`.`event_message` AS `event_message`
FROM
  `log_events_1` AS `my_table`
WHERE
  (`my_table`.`metadata`[SAFE_OFFSET(0)].`status` = @lql_0) ORDER BY `my_table`.`timestamp` DESC NULLS LAST LIMIT 100
-- params: lql_0
