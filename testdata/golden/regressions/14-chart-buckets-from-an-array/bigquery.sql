WITH counts AS (
  SELECT
    timestamp_trunc(`t`.`timestamp`, HOUR) AS hour,
    count(*) AS n
  FROM
    `log_events_cloudflare_logs_prod` AS `t`
  GROUP BY
    1
)
SELECT
  ts AS `ts`,
  ifnull(c.n, 0) AS n
FROM
  UNNEST(generate_timestamp_array(TIMESTAMP '2026-06-01 09:00:00', TIMESTAMP '2026-06-01 12:00:00', INTERVAL 1 HOUR)) AS ts
  LEFT JOIN counts c ON c.hour = ts ORDER BY ts NULLS FIRST
-- params: 
