WITH function_edge_logs AS (
  SELECT
    `t`.`timestamp` AS `timestamp`,
    `t`.`id` AS `id`,
    `t`.`event_message` AS `event_message`,
    `t`.`metadata` AS `metadata`
  FROM
    `log_events_deno_relay_logs` AS `t`
  WHERE
    CASE WHEN coalesce(@project, '') = '' THEN true ELSE coalesce(`t`.`metadata`[SAFE_OFFSET(0)].`project_ref`, @project) = @project END AND CASE WHEN coalesce(@iso_timestamp_start, '') = '' THEN true ELSE `t`.`timestamp` > CAST(@iso_timestamp_start AS TIMESTAMP) END AND CASE WHEN coalesce(@iso_timestamp_end, '') = '' THEN true ELSE `t`.`timestamp` <= CAST(@iso_timestamp_end AS TIMESTAMP) END
)
SELECT
  `function_edge_logs`.`id` AS `id`,
  `function_edge_logs`.`timestamp` AS `timestamp`,
  `function_edge_logs`.`event_message` AS `event_message`,
  `response`.`status_code` AS `status_code`,
  `request`.`method` AS `method`,
  `m`.`function_id` AS `function_id`,
  `m`.`execution_time_ms` AS `execution_time_ms`,
  `m`.`deployment_id` AS `deployment_id`,
  `m`.`version` AS `version`
FROM
  function_edge_logs
  CROSS JOIN UNNEST(`function_edge_logs`.`metadata`) AS `m`
  CROSS JOIN UNNEST(`m`.`response`) AS `response`
  CROSS JOIN UNNEST(`m`.`request`) AS `request`
WHERE
  (`m`.`function_id` = '<FN_ID>') ORDER BY `function_edge_logs`.`timestamp` DESC NULLS LAST LIMIT 100
-- params: project, iso_timestamp_start, iso_timestamp_end
