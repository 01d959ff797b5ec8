WITH dates AS (
  SELECT
    (CASE WHEN $1 = 'hourly' THEN ((CURRENT_TIMESTAMP AT TIME ZONE 'UTC') - INTERVAL '1 hour') WHEN $1 = 'daily' THEN ((CURRENT_TIMESTAMP AT TIME ZONE 'UTC') - INTERVAL '7 day') WHEN $1 = 'minutely' THEN ((CURRENT_TIMESTAMP AT TIME ZONE 'UTC') - INTERVAL '60 minute') END) AS start
), chart_counts AS (
  SELECT
    (CASE WHEN $1 = 'hourly' THEN date_trunc('hour', "f0"."timestamp") WHEN $1 = 'daily' THEN date_trunc('day', "f0"."timestamp") WHEN $1 = 'minutely' THEN date_trunc('minute', "f0"."timestamp") END) AS timestamp,
    count(CASE WHEN regexp_matches("f0"."metadata.request.path", '/rest') THEN 1 END) AS total_rest_requests,
    count(CASE WHEN regexp_matches("f0"."metadata.request.path", '/storage') THEN 1 END) AS total_storage_requests,
    count(CASE WHEN regexp_matches("f0"."metadata.request.path", '/auth') THEN 1 END) AS total_auth_requests,
    count(CASE WHEN regexp_matches("f0"."metadata.request.path", '/realtime') THEN 1 END) AS total_realtime_requests
  FROM
    dates,
    "log_events_cloudflare_logs_prod" AS "f0"
  WHERE
    regexp_matches("f0"."metadata.request.url", $2) AND "f0"."timestamp" >= dates.start
  GROUP BY
    1
)
SELECT
  regexp_replace(strftime(CAST(chart_counts.timestamp AS TIMESTAMP), '%Y-%m-%dT%H:%M:%S.%f'), '\.000000$', '') AS timestamp,
  coalesce(sum(chart_counts.total_rest_requests), 0) AS total_rest_requests,
  coalesce(sum(chart_counts.total_storage_requests), 0) AS total_storage_requests,
  coalesce(sum(chart_counts.total_auth_requests), 0) AS total_auth_requests,
  coalesce(sum(chart_counts.total_realtime_requests), 0) AS total_realtime_requests
FROM
  chart_counts
GROUP BY
  CAST(chart_counts.timestamp AS TIMESTAMP) ORDER BY CAST(chart_counts.timestamp AS TIMESTAMP) ASC NULLS FIRST
-- params: interval, project
