WITH auth_logs AS (
  SELECT
    `t`.`timestamp` AS `timestamp`,
    `t`.`id` AS `id`,
    `t`.`event_message` AS `event_message`,
    `t`.`metadata` AS `metadata`
  FROM
    `log_events_gotrue_logs_prod` AS `t`
  WHERE
    CASE WHEN coalesce(@project, '') = '' THEN true ELSE coalesce(`t`.`project`, @project) = @project END AND CASE WHEN coalesce(@iso_timestamp_start, '') = '' THEN true ELSE `t`.`timestamp` > CAST(@iso_timestamp_start AS TIMESTAMP) END AND CASE WHEN coalesce(@iso_timestamp_end, '') = '' THEN true ELSE `t`.`timestamp` <= CAST(@iso_timestamp_end AS TIMESTAMP) END
)
SELECT
  timestamp_trunc(`t`.`timestamp`, MINUTE) AS timestamp,
  count(CASE WHEN NOT (IFNULL(`metadata__unnested`.`level`, '') IN ('error', 'fatal') OR IFNULL(CAST(`metadata__unnested`.`status` AS INT64), 0) >= 500 OR IFNULL(`metadata__unnested`.`level`, '') = 'warning' OR IFNULL(CAST(`metadata__unnested`.`status` AS INT64), 0) BETWEEN 400 AND 499) THEN 1 END) AS ok_count,
  count(CASE WHEN IFNULL(`metadata__unnested`.`level`, '') IN ('error', 'fatal') OR IFNULL(CAST(`metadata__unnested`.`status` AS INT64), 0) >= 500 THEN 1 END) AS error_count,
  count(CASE WHEN IFNULL(`metadata__unnested`.`level`, '') = 'warning' OR IFNULL(CAST(`metadata__unnested`.`status` AS INT64), 0) BETWEEN 400 AND 499 THEN 1 END) AS warning_count
FROM
  auth_logs t
  CROSS JOIN UNNEST(`t`.`metadata`) AS `metadata__unnested`
WHERE
  `t`.`timestamp` > '<CHART_FROM>'
GROUP BY
  1 ORDER BY 1 ASC NULLS FIRST
-- params: project, iso_timestamp_start, iso_timestamp_end
