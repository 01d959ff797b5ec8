WITH function_logs AS (
  SELECT
    `t`.`timestamp` AS `timestamp`,
    `t`.`id` AS `id`,
    `t`.`event_message` AS `event_message`,
    `t`.`metadata` AS `metadata`
  FROM
    `log_events_deno_subhosting_events` AS `t`
  WHERE
    CASE WHEN coalesce(@project, '') = '' THEN true ELSE coalesce(`t`.`metadata`[SAFE_OFFSET(0)].`project_ref`, @project) = @project END AND CASE WHEN coalesce(@iso_timestamp_start, '') = '' THEN true ELSE `t`.`timestamp` > CAST(@iso_timestamp_start AS TIMESTAMP) END AND CASE WHEN coalesce(@iso_timestamp_end, '') = '' THEN true ELSE `t`.`timestamp` <= CAST(@iso_timestamp_end AS TIMESTAMP) END
)
SELECT
  `function_logs`.`id` AS `id`,
  `function_logs`.`timestamp` AS `timestamp`,
  `function_logs`.`event_message` AS `event_message`,
  `metadata__unnested`.`event_type` AS `event_type`,
  `metadata__unnested`.`function_id` AS `function_id`,
  `metadata__unnested`.`execution_id` AS `execution_id`,
  `metadata__unnested`.`level` AS `level`
FROM
  function_logs
  CROSS JOIN UNNEST(`function_logs`.`metadata`) AS `metadata__unnested`
WHERE
  (`metadata__unnested`.`function_id` = '<FN_ID>') ORDER BY `function_logs`.`timestamp` DESC NULLS LAST LIMIT 100
-- params: project, iso_timestamp_start, iso_timestamp_end
