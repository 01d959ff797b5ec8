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
    ("t"."project" = $1 AND CASE WHEN coalesce($2, '') = '' THEN true ELSE CAST("t"."timestamp" AS TIMESTAMP) > CAST($2 AS TIMESTAMP) END AND CASE WHEN coalesce($3, '') = '' THEN true ELSE CAST("t"."timestamp" AS TIMESTAMP) <= CAST($3 AS TIMESTAMP) END) AND "t"."metadata" IS NOT NULL ORDER BY CAST("t"."timestamp" AS TIMESTAMP) DESC NULLS LAST
), postgres_logs AS (
  SELECT
    "t"."timestamp" AS "timestamp",
    "t"."id" AS "id",
    "t"."event_message" AS "event_message",
    "t"."metadata" AS "metadata",
    "t"."metadata.host" AS "metadata.host",
    "t"."metadata.parsed" AS "metadata.parsed",
    "t"."metadata.parsed.backend_type" AS "metadata.parsed.backend_type",
    "t"."metadata.parsed.command_tag" AS "metadata.parsed.command_tag",
    "t"."metadata.parsed.connection_from" AS "metadata.parsed.connection_from",
    "t"."metadata.parsed.context" AS "metadata.parsed.context",
    "t"."metadata.parsed.database_name" AS "metadata.parsed.database_name",
    "t"."metadata.parsed.error_severity" AS "metadata.parsed.error_severity",
    "t"."metadata.parsed.leader_pid" AS "metadata.parsed.leader_pid",
    "t"."metadata.parsed.process_id" AS "metadata.parsed.process_id",
    "t"."metadata.parsed.query_id" AS "metadata.parsed.query_id",
    "t"."metadata.parsed.session_id" AS "metadata.parsed.session_id",
    "t"."metadata.parsed.session_line_num" AS "metadata.parsed.session_line_num",
    "t"."metadata.parsed.session_start_time" AS "metadata.parsed.session_start_time",
    "t"."metadata.parsed.sql_state_code" AS "metadata.parsed.sql_state_code",
    "t"."metadata.parsed.timestamp" AS "metadata.parsed.timestamp",
    "t"."metadata.parsed.transaction_id" AS "metadata.parsed.transaction_id",
    "t"."metadata.parsed.user_name" AS "metadata.parsed.user_name",
    "t"."metadata.parsed.virtual_transaction_id" AS "metadata.parsed.virtual_transaction_id",
    "t"."metadata.parsed.application_name" AS "metadata.parsed.application_name",
    "t"."__ROOT__" AS "__ROOT__"
  FROM
    "log_events_postgres_logs" AS "t"
  WHERE
    "t"."project" = $1 AND CASE WHEN coalesce($2, '') = '' THEN true ELSE CAST("t"."timestamp" AS TIMESTAMP) > CAST($2 AS TIMESTAMP) END AND CASE WHEN coalesce($3, '') = '' THEN true ELSE CAST("t"."timestamp" AS TIMESTAMP) <= CAST($3 AS TIMESTAMP) END ORDER BY CAST("t"."timestamp" AS TIMESTAMP) DESC NULLS LAST
), function_edge_logs AS (
  SELECT
    "t"."timestamp" AS "timestamp",
    "t"."id" AS "id",
    "t"."event_message" AS "event_message",
    "t"."metadata" AS "metadata",
    "t"."metadata.deployment_id" AS "metadata.deployment_id",
    "t"."metadata.execution_time_ms" AS "metadata.execution_time_ms",
    "t"."metadata.function_id" AS "metadata.function_id",
    "t"."metadata.project_ref" AS "metadata.project_ref",
    "t"."metadata.request" AS "metadata.request",
    "t"."metadata.request.headers" AS "metadata.request.headers",
    "t"."metadata.request.headers.accept" AS "metadata.request.headers.accept",
    "t"."metadata.request.headers.accept_encoding" AS "metadata.request.headers.accept_encoding",
    "t"."metadata.request.headers.content_length" AS "metadata.request.headers.content_length",
    "t"."metadata.request.headers.host" AS "metadata.request.headers.host",
    "t"."metadata.request.headers.user_agent" AS "metadata.request.headers.user_agent",
    "t"."metadata.request.host" AS "metadata.request.host",
    "t"."metadata.request.method" AS "metadata.request.method",
    "t"."metadata.request.pathname" AS "metadata.request.pathname",
    "t"."metadata.request.protocol" AS "metadata.request.protocol",
    "t"."metadata.request.search" AS "metadata.request.search",
    "t"."metadata.request.url" AS "metadata.request.url",
    "t"."metadata.response" AS "metadata.response",
    "t"."metadata.response.headers" AS "metadata.response.headers",
    "t"."metadata.response.headers.content_length" AS "metadata.response.headers.content_length",
    "t"."metadata.response.headers.content_type" AS "metadata.response.headers.content_type",
    "t"."metadata.response.headers.date" AS "metadata.response.headers.date",
    "t"."metadata.response.headers.server" AS "metadata.response.headers.server",
    "t"."metadata.response.headers.vary" AS "metadata.response.headers.vary",
    "t"."metadata.response.status_code" AS "metadata.response.status_code",
    "t"."metadata.version" AS "metadata.version",
    "t"."__ROOT__" AS "__ROOT__"
  FROM
    "log_events_deno_relay_logs" AS "t"
  WHERE
    (CASE WHEN coalesce($2, '') = '' THEN true ELSE CAST("t"."timestamp" AS TIMESTAMP) > CAST($2 AS TIMESTAMP) END AND CASE WHEN coalesce($3, '') = '' THEN true ELSE CAST("t"."timestamp" AS TIMESTAMP) <= CAST($3 AS TIMESTAMP) END AND "t"."metadata.project_ref" = $1) AND "t"."metadata" IS NOT NULL ORDER BY CAST("t"."timestamp" AS TIMESTAMP) DESC NULLS LAST
), function_logs AS (
  SELECT
    "t"."timestamp" AS "timestamp",
    "t"."id" AS "id",
    "t"."event_message" AS "event_message",
    "t"."metadata" AS "metadata",
    "t"."metadata.deployment_id" AS "metadata.deployment_id",
    "t"."metadata.event_type" AS "metadata.event_type",
    "t"."metadata.execution_id" AS "metadata.execution_id",
    "t"."metadata.function_id" AS "metadata.function_id",
    "t"."metadata.level" AS "metadata.level",
    "t"."metadata.project_ref" AS "metadata.project_ref",
    "t"."metadata.region" AS "metadata.region",
    "t"."metadata.timestamp" AS "metadata.timestamp",
    "t"."metadata.version" AS "metadata.version",
    "t"."__ROOT__" AS "__ROOT__"
  FROM
    "log_events_deno_subhosting_events" AS "t"
  WHERE
    ("t"."metadata.project_ref" = $1 AND CASE WHEN coalesce($2, '') = '' THEN true ELSE CAST("t"."timestamp" AS TIMESTAMP) > CAST($2 AS TIMESTAMP) END AND CASE WHEN coalesce($3, '') = '' THEN true ELSE CAST("t"."timestamp" AS TIMESTAMP) <= CAST($3 AS TIMESTAMP) END) AND "t"."metadata" IS NOT NULL ORDER BY CAST("t"."timestamp" AS TIMESTAMP) DESC NULLS LAST
), auth_logs AS (
  SELECT
    "t"."timestamp" AS "timestamp",
    "t"."id" AS "id",
    "t"."event_message" AS "event_message",
    "t"."metadata" AS "metadata",
    "t"."metadata.component" AS "metadata.component",
    "t"."metadata.duration" AS "metadata.duration",
    "t"."metadata.level" AS "metadata.level",
    "t"."metadata.method" AS "metadata.method",
    "t"."metadata.msg" AS "metadata.msg",
    "t"."metadata.path" AS "metadata.path",
    "t"."metadata.referer" AS "metadata.referer",
    "t"."metadata.remote_addr" AS "metadata.remote_addr",
    "t"."metadata.request_id" AS "metadata.request_id",
    "t"."metadata.status" AS "metadata.status",
    "t"."metadata.time" AS "metadata.time",
    "t"."metadata.timestamp" AS "metadata.timestamp",
    "t"."metadata.error" AS "metadata.error",
    "t"."metadata.auth_event" AS "metadata.auth_event",
    "t"."metadata.auth_event.action" AS "metadata.auth_event.action",
    "t"."metadata.auth_event.actor_id" AS "metadata.auth_event.actor_id",
    "t"."metadata.auth_event.actor_username" AS "metadata.auth_event.actor_username",
    "t"."metadata.auth_event.log_type" AS "metadata.auth_event.log_type",
    "t"."__ROOT__" AS "__ROOT__"
  FROM
    "log_events_gotrue_logs_prod" AS "t"
  WHERE
    ("t"."project" = $1 AND CASE WHEN coalesce($2, '') = '' THEN true ELSE CAST("t"."timestamp" AS TIMESTAMP) > CAST($2 AS TIMESTAMP) END AND CASE WHEN coalesce($3, '') = '' THEN true ELSE CAST("t"."timestamp" AS TIMESTAMP) <= CAST($3 AS TIMESTAMP) END) AND "t"."metadata" IS NOT NULL ORDER BY CAST("t"."timestamp" AS TIMESTAMP) DESC NULLS LAST
), realtime_logs AS (
  SELECT
    "t"."timestamp" AS "timestamp",
    "t"."id" AS "id",
    "t"."event_message" AS "event_message",
    "t"."metadata" AS "metadata",
    "t"."metadata.context" AS "metadata.context",
    "t"."metadata.context.application" AS "metadata.context.application",
    "t"."metadata.context.domain" AS "metadata.context.domain",
    "t"."metadata.context.file" AS "metadata.context.file",
    "t"."metadata.context.function" AS "metadata.context.function",
    "t"."metadata.context.gl" AS "metadata.context.gl",
    "t"."metadata.context.line" AS "metadata.context.line",
    "t"."metadata.context.mfa" AS "metadata.context.mfa",
    "t"."metadata.context.module" AS "metadata.context.module",
    "t"."metadata.context.pid" AS "metadata.context.pid",
    "t"."metadata.context.time" AS "metadata.context.time",
    "t"."metadata.context.vm" AS "metadata.context.vm",
    "t"."metadata.context.vm.node" AS "metadata.context.vm.node",
    "t"."metadata.external_id" AS "metadata.external_id",
    "t"."metadata.level" AS "metadata.level",
    "t"."metadata.project" AS "metadata.project",
    "t"."__ROOT__" AS "__ROOT__"
  FROM
    "log_events_realtime_logs_prod" AS "t"
  WHERE
    ("t"."metadata.project" = $1 AND CASE WHEN coalesce($2, '') = '' THEN true ELSE CAST("t"."timestamp" AS TIMESTAMP) > CAST($2 AS TIMESTAMP) END AND CASE WHEN coalesce($3, '') = '' THEN true ELSE CAST("t"."timestamp" AS TIMESTAMP) <= CAST($3 AS TIMESTAMP) END) AND "t"."metadata" IS NOT NULL ORDER BY CAST("t"."timestamp" AS TIMESTAMP) DESC NULLS LAST
), storage_logs AS (
  SELECT
    "t"."timestamp" AS "timestamp",
    "t"."id" AS "id",
    "t"."event_message" AS "event_message",
    "t"."metadata" AS "metadata",
    "t"."metadata.context" AS "metadata.context",
    "t"."metadata.level" AS "metadata.level",
    "t"."metadata.project" AS "metadata.project",
    "t"."metadata.tenantId" AS "metadata.tenantId",
    "t"."metadata.timestamp" AS "metadata.timestamp",
    "t"."__ROOT__" AS "__ROOT__"
  FROM
    "log_events_storage_logs_prod_2" AS "t"
  WHERE
    ("t"."metadata.project" = $1 AND CASE WHEN coalesce($2, '') = '' THEN true ELSE CAST("t"."timestamp" AS TIMESTAMP) > CAST($2 AS TIMESTAMP) END AND CASE WHEN coalesce($3, '') = '' THEN true ELSE CAST("t"."timestamp" AS TIMESTAMP) <= CAST($3 AS TIMESTAMP) END) AND "t"."metadata" IS NOT NULL ORDER BY CAST("t"."timestamp" AS TIMESTAMP) DESC NULLS LAST
), postgrest_logs AS (
  SELECT
    "t"."timestamp" AS "timestamp",
    "t"."id" AS "id",
    "t"."event_message" AS "event_message",
    "t"."metadata" AS "metadata",
    "t"."metadata.host" AS "metadata.host",
    "t"."__ROOT__" AS "__ROOT__"
  FROM
    "log_events_postgrest_logs_prod" AS "t"
  WHERE
    (CASE WHEN coalesce($2, '') = '' THEN true ELSE CAST("t"."timestamp" AS TIMESTAMP) > CAST($2 AS TIMESTAMP) END AND CASE WHEN coalesce($3, '') = '' THEN true ELSE CAST("t"."timestamp" AS TIMESTAMP) <= CAST($3 AS TIMESTAMP) END AND "t"."project" = $1) AND "t"."metadata" IS NOT NULL ORDER BY CAST("t"."timestamp" AS TIMESTAMP) DESC NULLS LAST
), pgbouncer_logs AS (
  SELECT
    "t"."timestamp" AS "timestamp",
    "t"."id" AS "id",
    "t"."event_message" AS "event_message",
    "t"."metadata" AS "metadata",
    "t"."metadata.host" AS "metadata.host",
    "t"."__ROOT__" AS "__ROOT__"
  FROM
    "log_events_pgbouncer_logs_prod" AS "t"
  WHERE
    (CASE WHEN coalesce($2, '') = '' THEN true ELSE CAST("t"."timestamp" AS TIMESTAMP) > CAST($2 AS TIMESTAMP) END AND CASE WHEN coalesce($3, '') = '' THEN true ELSE CAST("t"."timestamp" AS TIMESTAMP) <= CAST($3 AS TIMESTAMP) END AND "t"."project" = $1) AND "t"."metadata" IS NOT NULL ORDER BY CAST("t"."timestamp" AS TIMESTAMP) DESC NULLS LAST
)
SELECT
  "edge_logs"."id" AS "id",
  "edge_logs"."timestamp" AS "timestamp",
  "edge_logs"."event_message" AS "event_message",
  json_extract("edge_logs"."__ROOT__", '$.metadata') AS "metadata"
FROM
  edge_logs LIMIT 100
-- params: project, iso_timestamp_start, iso_timestamp_end
