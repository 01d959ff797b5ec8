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
  `cf`.`country` AS `country`,
  count(*) AS count
FROM
  edge_logs
  LEFT JOIN UNNEST(`edge_logs`.`metadata`) AS `m` ON true
  LEFT JOIN UNNEST(`m`.`request`) AS `r` ON true
  LEFT JOIN UNNEST(`r`.`cf`) AS `cf` ON true
GROUP BY
  `cf`.`country` ORDER BY 2 DESC NULLS LAST
-- params: project, iso_timestamp_start, iso_timestamp_end
