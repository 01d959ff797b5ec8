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
  timestamp_trunc(`f`.`timestamp`, HOUR) AS timestamp,
  countif(`h`.`cf_cache_status` IN ('HIT', 'STALE', 'REVALIDATED', 'UPDATING')) AS hit_count,
  countif(`h`.`cf_cache_status` IN ('MISS', 'NONE/UNKNOWN', 'EXPIRED', 'BYPASS', 'DYNAMIC')) AS miss_count
FROM
  edge_logs f
  CROSS JOIN UNNEST(`f`.`metadata`) AS `m`
  CROSS JOIN UNNEST(`m`.`request`) AS `r`
  CROSS JOIN UNNEST(`m`.`response`) AS `res`
  CROSS JOIN UNNEST(`res`.`headers`) AS `h`
WHERE
  starts_with(`r`.`path`, '/storage/v1/object') AND `r`.`method` = 'GET'
GROUP BY
  1 ORDER BY 1 DESC NULLS LAST
-- params: project, iso_timestamp_start, iso_timestamp_end
