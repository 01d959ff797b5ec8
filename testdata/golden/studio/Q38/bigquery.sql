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
  `r`.`method` AS http_verb,
  `r`.`path` AS filepath,
  count(*) AS num_requests
FROM
  edge_logs
  CROSS JOIN UNNEST(`edge_logs`.`metadata`) AS `m`
  CROSS JOIN UNNEST(`m`.`request`) AS `r`
  CROSS JOIN UNNEST(`r`.`headers`) AS `h`
WHERE
  `r`.`path` LIKE '%storage/v1/object/%'
GROUP BY
  `r`.`path`, `r`.`method` ORDER BY 3 DESC NULLS LAST LIMIT 100
-- params: project, iso_timestamp_start, iso_timestamp_end
