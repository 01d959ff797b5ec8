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
  `request`.`path` AS path,
  `request`.`method` AS method,
  `request`.`search` AS search,
  `response`.`status_code` AS status_code,
  count(`t`.`id`) AS count,
  avg(`response`.`origin_time`) AS avg
FROM
  edge_logs t
  CROSS JOIN UNNEST(`t`.`metadata`) AS `m`
  CROSS JOIN UNNEST(`m`.`response`) AS `response`
  CROSS JOIN UNNEST(`m`.`request`) AS `request`
  CROSS JOIN UNNEST(`request`.`headers`) AS `headers`
GROUP BY
  `request`.`path`, `request`.`method`, `request`.`search`, `response`.`status_code` ORDER BY 6 DESC NULLS LAST LIMIT 10
-- params: project, iso_timestamp_start, iso_timestamp_end
