WITH edge_logs AS (
  SELECT
    `t`.`timestamp` AS `timestamp`,
    `t`.`id` AS `id`,
    `t`.`event_message` AS `event_message`,
    `t`.`metadata` AS `metadata`
  FROM
    `log_events_cloudflare_logs_prod` AS `t`
    CROSS JOIN UNNEST(`t`.`metadata`) AS `m`
  WHERE
    `t`.`project` = @project AND CASE WHEN COALESCE(@iso_timestamp_start, '') = '' THEN true ELSE CAST(`t`.`timestamp` AS TIMESTAMP) > CAST(@iso_timestamp_start AS TIMESTAMP) END AND CASE WHEN COALESCE(@iso_timestamp_end, '') = '' THEN true ELSE CAST(`t`.`timestamp` AS TIMESTAMP) <= CAST(@iso_timestamp_end AS TIMESTAMP) END ORDER BY CAST(`t`.`timestamp` AS TIMESTAMP) DESC NULLS LAST
)
SELECT
  `edge_logs`.`id` AS `id`,
  `edge_logs`.`timestamp` AS `timestamp`,
  `edge_logs`.`event_message` AS `event_message`,
  `edge_logs`.`metadata` AS `metadata`
FROM
  edge_logs LIMIT 100
-- params: project, iso_timestamp_start, iso_timestamp_end
