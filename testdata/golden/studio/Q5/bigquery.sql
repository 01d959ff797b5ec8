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
  `function_edge_logs`.`event_message` AS `event_message`
FROM
  function_edge_logs ORDER BY `function_edge_logs`.`timestamp` DESC NULLS LAST LIMIT 100
-- params: project, iso_timestamp_start, iso_timestamp_end
