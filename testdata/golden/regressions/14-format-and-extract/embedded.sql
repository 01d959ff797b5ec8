SELECT
  (strftime("cloudflare.logs.prod"."timestamp", '%Y') || '-' || strftime("cloudflare.logs.prod"."timestamp", '%m') || '-' || strftime("cloudflare.logs.prod"."timestamp", '%d') || 'T' || strftime("cloudflare.logs.prod"."timestamp", '%H') || ':' || strftime("cloudflare.logs.prod"."timestamp", '%M') || ':' || (strftime("cloudflare.logs.prod"."timestamp", '%S') || '.' || SUBSTR(strftime("cloudflare.logs.prod"."timestamp", '%f'), 1, 3)) || 'Z') AS iso,
  (lpad(strftime("cloudflare.logs.prod"."timestamp", '%-d'), 2, ' ') || ' ' || strftime("cloudflare.logs.prod"."timestamp", '%b') || ' ' || lpad(strftime("cloudflare.logs.prod"."timestamp", '%-H'), 2, ' ') || ':' || strftime("cloudflare.logs.prod"."timestamp", '%M')) AS short,
  CAST(FLOOR(EXTRACT(DOW FROM "cloudflare.logs.prod"."timestamp")) + 1 AS BIGINT) AS dow,
  CAST(FLOOR(epoch_us("cloudflare.logs.prod"."timestamp") / 1000) AS BIGINT) AS ms,
  CAST(trunc(CAST(epoch_us((CURRENT_TIMESTAMP AT TIME ZONE 'UTC')) - epoch_us("cloudflare.logs.prod"."timestamp") AS DOUBLE) / 60000000) AS BIGINT) AS age
FROM
  "log_events_cloudflare_logs_prod" AS "cloudflare.logs.prod"
-- params: 
