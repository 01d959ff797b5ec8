WITH edge_logs AS (
  SELECT
    "t"."timestamp" AS "timestamp",
    "t"."id" AS "id",
    "t"."event_message" AS "event_message",
    "t"."metadata" AS "metadata",
    "t"."metadata.logflare_worker" AS "metadata.logflare_worker",
    "t"."metadata.logflare_worker.worker_id" AS "metadata.logflare_worker.worker_id",
    "t"."metadata.request" AS "metadata.request",
    "t"."metadata.request.cf" AS "metadata.request.cf",
    "t"."metadata.request.cf.asOrganization" AS "metadata.request.cf.asOrganization",
    "t"."metadata.request.cf.asn" AS "metadata.request.cf.asn",
    "t"."metadata.request.cf.botManagement" AS "metadata.request.cf.botManagement",
    "t"."metadata.request.cf.botManagement.corporateProxy" AS "metadata.request.cf.botManagement.corporateProxy",
    "t"."metadata.request.cf.botManagement.ja3Hash" AS "metadata.request.cf.botManagement.ja3Hash",
    "t"."metadata.request.cf.botManagement.score" AS "metadata.request.cf.botManagement.score",
    "t"."metadata.request.cf.botManagement.staticResource" AS "metadata.request.cf.botManagement.staticResource",
    "t"."metadata.request.cf.botManagement.verifiedBot" AS "metadata.request.cf.botManagement.verifiedBot",
    "t"."metadata.request.cf.city" AS "metadata.request.cf.city",
    "t"."metadata.request.cf.clientAcceptEncoding" AS "metadata.request.cf.clientAcceptEncoding",
    "t"."metadata.request.cf.clientTrustScore" AS "metadata.request.cf.clientTrustScore",
    "t"."metadata.request.cf.colo" AS "metadata.request.cf.colo",
    "t"."metadata.request.cf.continent" AS "metadata.request.cf.continent",
    "t"."metadata.request.cf.country" AS "metadata.request.cf.country",
    "t"."metadata.request.cf.edgeRequestKeepAliveStatus" AS "metadata.request.cf.edgeRequestKeepAliveStatus",
    "t"."metadata.request.cf.httpProtocol" AS "metadata.request.cf.httpProtocol",
    "t"."metadata.request.cf.isEUCountry" AS "metadata.request.cf.isEUCountry",
    "t"."metadata.request.cf.latitude" AS "metadata.request.cf.latitude",
    "t"."metadata.request.cf.longitude" AS "metadata.request.cf.longitude",
    "t"."metadata.request.cf.postalCode" AS "metadata.request.cf.postalCode",
    "t"."metadata.request.cf.region" AS "metadata.request.cf.region",
    "t"."metadata.request.cf.regionCode" AS "metadata.request.cf.regionCode",
    "t"."metadata.request.cf.timezone" AS "metadata.request.cf.timezone",
    "t"."metadata.request.cf.tlsCipher" AS "metadata.request.cf.tlsCipher",
    "t"."metadata.request.cf.tlsClientAuth" AS "metadata.request.cf.tlsClientAuth",
    "t"."metadata.request.cf.tlsClientAuth.certPresented" AS "metadata.request.cf.tlsClientAuth.certPresented",
    "t"."metadata.request.cf.tlsClientAuth.certRevoked" AS "metadata.request.cf.tlsClientAuth.certRevoked",
    "t"."metadata.request.cf.tlsClientAuth.certVerified" AS "metadata.request.cf.tlsClientAuth.certVerified",
    "t"."metadata.request.cf.tlsExportedAuthenticator" AS "metadata.request.cf.tlsExportedAuthenticator",
    "t"."metadata.request.cf.tlsExportedAuthenticator.clientFinished" AS "metadata.request.cf.tlsExportedAuthenticator.clientFinished",
    "t"."metadata.request.cf.tlsExportedAuthenticator.clientHandshake" AS "metadata.request.cf.tlsExportedAuthenticator.clientHandshake",
    "t"."metadata.request.cf.tlsExportedAuthenticator.serverFinished" AS "metadata.request.cf.tlsExportedAuthenticator.serverFinished",
    "t"."metadata.request.cf.tlsExportedAuthenticator.serverHandshake" AS "metadata.request.cf.tlsExportedAuthenticator.serverHandshake",
    "t"."metadata.request.cf.tlsVersion" AS "metadata.request.cf.tlsVersion",
    "t"."metadata.request.headers" AS "metadata.request.headers",
    "t"."metadata.request.headers.accept" AS "metadata.request.headers.accept",
    "t"."metadata.request.headers.cf_connecting_ip" AS "metadata.request.headers.cf_connecting_ip",
    "t"."metadata.request.headers.cf_ipcountry" AS "metadata.request.headers.cf_ipcountry",
    "t"."metadata.request.headers.cf_ray" AS "metadata.request.headers.cf_ray",
    "t"."metadata.request.headers.host" AS "metadata.request.headers.host",
    "t"."metadata.request.headers.referer" AS "metadata.request.headers.referer",
    "t"."metadata.request.headers.user_agent" AS "metadata.request.headers.user_agent",
    "t"."metadata.request.headers.x_forwarded_proto" AS "metadata.request.headers.x_forwarded_proto",
    "t"."metadata.request.headers.x_real_ip" AS "metadata.request.headers.x_real_ip",
    "t"."metadata.request.host" AS "metadata.request.host",
    "t"."metadata.request.method" AS "metadata.request.method",
    "t"."metadata.request.path" AS "metadata.request.path",
    "t"."metadata.request.protocol" AS "metadata.request.protocol",
    "t"."metadata.request.search" AS "metadata.request.search",
    "t"."metadata.request.url" AS "metadata.request.url",
    "t"."metadata.response" AS "metadata.response",
    "t"."metadata.response.headers" AS "metadata.response.headers",
    "t"."metadata.response.headers.cf_cache_status" AS "metadata.response.headers.cf_cache_status",
    "t"."metadata.response.headers.cf_ray" AS "metadata.response.headers.cf_ray",
    "t"."metadata.response.headers.content_length" AS "metadata.response.headers.content_length",
    "t"."metadata.response.headers.content_type" AS "metadata.response.headers.content_type",
    "t"."metadata.response.headers.date" AS "metadata.response.headers.date",
    "t"."metadata.response.headers.sb_gateway_mode" AS "metadata.response.headers.sb_gateway_mode",
    "t"."metadata.response.headers.sb_gateway_version" AS "metadata.response.headers.sb_gateway_version",
    "t"."metadata.response.origin_time" AS "metadata.response.origin_time",
    "t"."metadata.response.status_code" AS "metadata.response.status_code",
    "t"."__ROOT__" AS "__ROOT__"
  FROM
    "log_events_cloudflare_logs_prod" AS "t"
  WHERE
    CASE WHEN coalesce($1, '') = '' THEN true ELSE coalesce("t"."project", $1) = $1 END AND CASE WHEN coalesce($2, '') = '' THEN true ELSE "t"."timestamp" > CAST($2 AS TIMESTAMP) END AND CASE WHEN coalesce($3, '') = '' THEN true ELSE "t"."timestamp" <= CAST($3 AS TIMESTAMP) END
)
SELECT
  regexp_replace(strftime(CAST(date_trunc('hour', "t"."timestamp") AS TIMESTAMP), '%Y-%m-%dT%H:%M:%S.%f'), '\.000000$', '') AS timestamp,
  count("t"."id") AS count
FROM
  edge_logs t
WHERE
  "t"."metadata" IS NOT NULL AND "t"."metadata.response" IS NOT NULL AND "t"."metadata.request" IS NOT NULL AND "t"."metadata.request.headers" IS NOT NULL
GROUP BY
  date_trunc('hour', "t"."timestamp") ORDER BY date_trunc('hour', "t"."timestamp") ASC NULLS FIRST
-- params: project, iso_timestamp_start, iso_timestamp_end
