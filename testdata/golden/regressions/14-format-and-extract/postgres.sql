SELECT
  (to_char("cloudflare.logs.prod"."timestamp", 'YYYY') || '-' || to_char("cloudflare.logs.prod"."timestamp", 'MM') || '-' || to_char("cloudflare.logs.prod"."timestamp", 'DD') || 'T' || to_char("cloudflare.logs.prod"."timestamp", 'HH24') || ':' || to_char("cloudflare.logs.prod"."timestamp", 'MI') || ':' || (to_char("cloudflare.logs.prod"."timestamp", 'SS') || '.' || SUBSTR(to_char("cloudflare.logs.prod"."timestamp", 'US'), 1, 3)) || 'Z') AS iso,
  (lpad(to_char("cloudflare.logs.prod"."timestamp", 'FMDD'), 2, ' ') || ' ' || to_char("cloudflare.logs.prod"."timestamp", 'Mon') || ' ' || lpad(to_char("cloudflare.logs.prod"."timestamp", 'FMHH24'), 2, ' ') || ':' || to_char("cloudflare.logs.prod"."timestamp", 'MI')) AS short,
  CAST(FLOOR(EXTRACT(DOW FROM "cloudflare.logs.prod"."timestamp")) + 1 AS BIGINT) AS dow,
  CAST(FLOOR(CAST(FLOOR(EXTRACT(EPOCH FROM "cloudflare.logs.prod"."timestamp") * 1000000) AS BIGINT) / 1000) AS BIGINT) AS ms,
  CAST(trunc(CAST(CAST(FLOOR(EXTRACT(EPOCH FROM (CURRENT_TIMESTAMP AT TIME ZONE 'UTC')) * 1000000) AS BIGINT) - CAST(FLOOR(EXTRACT(EPOCH FROM "cloudflare.logs.prod"."timestamp") * 1000000) AS BIGINT) AS DOUBLE PRECISION) / 60000000) AS BIGINT) AS age
FROM
  "log_events_cloudflare_logs_prod" AS "cloudflare.logs.prod"
-- params: 
