WITH dates AS (
  SELECT
    (CASE WHEN @interval = 'hourly' THEN timestamp_sub(current_timestamp(), INTERVAL 1 HOUR) WHEN @interval = 'daily' THEN timestamp_sub(current_timestamp(), INTERVAL 7 DAY) WHEN @interval = 'minutely' THEN timestamp_sub(current_timestamp(), INTERVAL 60 MINUTE) END) AS start
), chart_counts AS (
  SELECT
    (CASE WHEN @interval = 'hourly' THEN timestamp_trunc(`f0`.`timestamp`, HOUR) WHEN @interval = 'daily' THEN timestamp_trunc(`f0`.`timestamp`, DAY) WHEN @interval = 'minutely' THEN timestamp_trunc(`f0`.`timestamp`, MINUTE) END) AS timestamp,
    COUNTIF(REGEXP_CONTAINS(`f2`.`path`, '/rest')) AS total_rest_requests,
    COUNTIF(REGEXP_CONTAINS(`f2`.`path`, '/storage')) AS total_storage_requests,
    COUNTIF(REGEXP_CONTAINS(`f2`.`path`, '/auth')) AS total_auth_requests,
    COUNTIF(REGEXP_CONTAINS(`f2`.`path`, '/realtime')) AS total_realtime_requests
  FROM
    dates,
    `log_events_cloudflare_logs_prod` AS `f0`
    LEFT JOIN UNNEST(`f0`.`metadata`) AS `f1` ON true
    LEFT JOIN UNNEST(`f1`.`request`) AS `f2` ON true
  WHERE
    REGEXP_CONTAINS(`f2`.`url`, @project) AND `f0`.`timestamp` >= dates.start
  GROUP BY
    1
)
SELECT
  datetime(chart_counts.timestamp, 'UTC') AS timestamp,
  COALESCE(SUM(chart_counts.total_rest_requests), 0) AS total_rest_requests,
  COALESCE(SUM(chart_counts.total_storage_requests), 0) AS total_storage_requests,
  COALESCE(SUM(chart_counts.total_auth_requests), 0) AS total_auth_requests,
  COALESCE(SUM(chart_counts.total_realtime_requests), 0) AS total_realtime_requests
FROM
  chart_counts
GROUP BY
  1 ORDER BY 1 ASC NULLS FIRST
-- params: interval, project
