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
  timestamp_trunc(`t`.`timestamp`, MINUTE) AS timestamp,
  count(CASE WHEN NOT (`metadata__unnested`.`level` IN ('error', 'fatal') OR `metadata__unnested`.`level` IN ('warning')) THEN 1 END) AS ok_count,
  count(CASE WHEN `metadata__unnested`.`level` IN ('error', 'fatal') THEN 1 END) AS error_count,
  count(CASE WHEN `metadata__unnested`.`level` IN ('warning') THEN 1 END) AS warning_count
FROM
  function_logs t
  CROSS JOIN UNNEST(`t`.`metadata`) AS `metadata__unnested`
WHERE
  (`metadata__unnested`.`function_id` = '<FN_ID>') AND `t`.`timestamp` > '<CHART_FROM>'
GROUP BY
  1 ORDER BY 1 ASC NULLS FIRST
-- params: project, iso_timestamp_start, iso_timestamp_end
