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
  `auth_logs`.`id` AS `id`,
  `auth_logs`.`timestamp` AS `timestamp`,
  `auth_logs`.`event_message` AS `event_message`,
  `metadata__unnested`.`level` AS `level`,
  `metadata__unnested`.`status` AS `status`,
  `metadata__unnested`.`path` AS `path`,
  `metadata__unnested`.`msg` AS msg,
  `metadata__unnested`.`error` AS `error`
FROM
  auth_logs
  CROSS JOIN UNNEST(`auth_logs`.`metadata`) AS `metadata__unnested`
WHERE
  (IFNULL(`metadata__unnested`.`level`, '') IN ('error', 'fatal') OR IFNULL(CAST(`metadata__unnested`.`status` AS INT64), 0) >= 500) AND (REGEXP_CONTAINS(`metadata__unnested`.`path`, "/signup|/invite|/verify")) ORDER BY `auth_logs`.`timestamp` DESC NULLS LAST LIMIT 100
-- params: project, iso_timestamp_start, iso_timestamp_end
