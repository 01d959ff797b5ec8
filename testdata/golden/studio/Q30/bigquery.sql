WITH edge_logs AS (
  SELECT
    `t`.`timestamp` AS `timestamp`,
    `t`.`id` AS `id`,
    `t`.`event_message` AS `event_message`,
    `t`.`metadata` AS `metadata`
  FROM
    `log_events_cloudflare_logs_prod` AS `t`
  WHERE
    CASE WHEN coalesce(@project, '') = '' THEN true ELSE coalesce(`t`.`project`, @project) = @project END AND CASE WHEN coalesce(@iso_timestamp_start, '') = '' THEN true ELSE `t`.`timestamp` > CAST(@iso_timestamp_start AS TIMESTAMP) END AND CASE WHEN coalesce(@iso_timestamp_end, '') = '' THEN true ELSE `t`.`timestamp` <= CAST(@iso_timestamp_end AS TIMESTAMP) END
)
SELECT
  CAST(`edge_logs`.`timestamp` AS DATETIME) AS timestamp,
  `edge_logs`.`event_message` AS `event_message`,
  `r`.`origin_time` AS `origin_time`
FROM
  edge_logs
  CROSS JOIN UNNEST(`edge_logs`.`metadata`) AS `m`
  CROSS JOIN UNNEST(`m`.`response`) AS `r`
WHERE
  `r`.`origin_time` > 1000 ORDER BY 1 DESC NULLS LAST LIMIT 100
-- params: project, iso_timestamp_start, iso_timestamp_end
