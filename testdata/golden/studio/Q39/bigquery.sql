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
  `request`.`method` AS http_verb,
  `request`.`path` AS filepath,
  (`responseHeaders`.`cf_cache_status` = 'HIT') AS cached,
  count(*) AS num_requests
FROM
  edge_logs
  CROSS JOIN UNNEST(`edge_logs`.`metadata`) AS `metadata__unnested`
  CROSS JOIN UNNEST(`metadata__unnested`.`request`) AS `request`
  CROSS JOIN UNNEST(`metadata__unnested`.`response`) AS `response`
  CROSS JOIN UNNEST(`response`.`headers`) AS `responseHeaders`
WHERE
  (`request`.`path` LIKE '%storage/v1/object/%' OR `request`.`path` LIKE '%storage/v1/render/%') AND `request`.`method` = 'GET'
GROUP BY
  1, 2, 3 ORDER BY 4 DESC NULLS LAST LIMIT 100
-- params: project, iso_timestamp_start, iso_timestamp_end
