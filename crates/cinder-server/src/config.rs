//! Runtime settings: one clap struct, every flag also an environment variable.
//!
//! The names are the `supabase/logflare` image's where one exists, so a Supabase stack's
//! environment works unchanged; Cinder's own settings are `CINDER_*`. Invalid values fail at
//! start-up with a message naming the variable, and so does an unknown `CINDER_*` variable
//! (most likely a typo).

use std::net::IpAddr;
use std::path::PathBuf;

use cinder_storage::postgres::tls::{self, SslMode};
use clap::{ArgAction, Parser, ValueEnum};

/// Runtime settings, from flags or environment variables.
#[derive(Debug, Clone, Parser)]
#[command(
    name = "cinder",
    version,
    about = "A log-analytics server that speaks Logflare's HTTP API"
)]
pub struct Config {
    /// Port the HTTP server listens on.
    #[arg(
        long = "port",
        env = "PHX_HTTP_PORT",
        value_name = "PHX_HTTP_PORT",
        default_value_t = 4000
    )]
    pub port: u16,
    /// Address the HTTP server binds: 127.0.0.1 unless set, or 0.0.0.0 in Supabase mode, where
    /// Vector and Studio reach the `analytics` container over the compose network.
    #[arg(long = "ip", env = "PHX_HTTP_IP", value_name = "PHX_HTTP_IP")]
    pub ip: Option<IpAddr>,
    /// Directory for the embedded database, the write-ahead log and generated secrets.
    #[arg(
        long = "data-dir",
        env = "CINDER_DATA_DIR",
        value_name = "CINDER_DATA_DIR",
        default_value = "./data"
    )]
    pub data_dir: PathBuf,
    /// One default user owns everything (Cinder is single-tenant by default).
    #[arg(long, env = "LOGFLARE_SINGLE_TENANT", value_name = "LOGFLARE_SINGLE_TENANT", default_value = "true", action = ArgAction::Set, value_parser = parse_bool)]
    pub single_tenant: bool,
    /// Seed Supabase's sources and endpoints.
    #[arg(long, env = "LOGFLARE_SUPABASE_MODE", value_name = "LOGFLARE_SUPABASE_MODE", default_value = "false", action = ArgAction::Set, value_parser = parse_bool)]
    pub supabase_mode: bool,
    /// Token with the `public` scope (ingest only).
    #[arg(
        long,
        env = "LOGFLARE_PUBLIC_ACCESS_TOKEN",
        value_name = "LOGFLARE_PUBLIC_ACCESS_TOKEN",
        hide_env_values = true
    )]
    pub public_access_token: Option<String>,
    /// Deprecated alias of `LOGFLARE_PUBLIC_ACCESS_TOKEN`.
    #[arg(
        long,
        env = "LOGFLARE_API_KEY",
        value_name = "LOGFLARE_API_KEY",
        hide_env_values = true
    )]
    pub api_key: Option<String>,
    /// Token with the `private` scope (everything). Generated on first start when unset.
    #[arg(
        long,
        env = "LOGFLARE_PRIVATE_ACCESS_TOKEN",
        value_name = "LOGFLARE_PRIVATE_ACCESS_TOKEN",
        hide_env_values = true
    )]
    pub private_access_token: Option<String>,
    /// Log level: error, warning (or warn), info or debug.
    #[arg(
        long,
        env = "LOGFLARE_LOG_LEVEL",
        value_name = "LOGFLARE_LOG_LEVEL",
        value_enum,
        default_value = "info"
    )]
    pub log_level: LogLevel,
    /// Memory the embedded engine may use for queries, caches and rows not yet checkpointed,
    /// e.g. `1GB`; past it the engine spills to disk.
    #[arg(
        long,
        env = "CINDER_EMBEDDED_MEMORY_LIMIT",
        value_name = "CINDER_EMBEDDED_MEMORY_LIMIT",
        default_value = cinder_storage::EngineSettings::DEFAULT_MEMORY_LIMIT
    )]
    pub embedded_memory_limit: String,
    /// How large the embedded engine's own log grows before its rows are compressed into the
    /// database file, e.g. `256MB`.
    #[arg(
        long,
        env = "CINDER_EMBEDDED_CHECKPOINT_THRESHOLD",
        value_name = "CINDER_EMBEDDED_CHECKPOINT_THRESHOLD",
        default_value = cinder_storage::EngineSettings::DEFAULT_CHECKPOINT_THRESHOLD
    )]
    pub embedded_checkpoint_threshold: String,
    /// Events accepted but not yet stored in the backend, past which ingest answers 429.
    #[arg(
        long,
        env = "CINDER_MAX_PENDING_EVENTS",
        value_name = "CINDER_MAX_PENDING_EVENTS",
        default_value_t = 100_000
    )]
    pub max_pending_events: usize,
    /// Megabytes of memory that events accepted but not yet stored may take (as parsed values,
    /// several times their JSON), past which ingest answers 429: memory bounded by bytes,
    /// whatever the events' size.
    #[arg(
        long,
        env = "CINDER_MAX_PENDING_MB",
        value_name = "CINDER_MAX_PENDING_MB",
        default_value_t = 256,
        value_parser = clap::value_parser!(u64).range(1..)
    )]
    pub max_pending_mb: u64,
    /// Megabytes of events (of memory, as parsed values) the loader stores in one transaction
    /// at most; they are part of the pending events until stored.
    #[arg(
        long,
        env = "CINDER_LOAD_BATCH_MB",
        value_name = "CINDER_LOAD_BATCH_MB",
        default_value_t = 64,
        value_parser = clap::value_parser!(u64).range(1..)
    )]
    pub load_batch_mb: u64,
    /// Stores events and the catalog in this PostgreSQL database (Logflare's single-tenant
    /// Postgres backend) instead of the embedded one. Empty is the same as unset.
    #[arg(
        long,
        env = "POSTGRES_BACKEND_URL",
        value_name = "POSTGRES_BACKEND_URL",
        hide_env_values = true
    )]
    pub postgres_backend_url: Option<String>,
    /// The Google Cloud project whose BigQuery stores the events (the BigQuery backend is used
    /// when this is set and `POSTGRES_BACKEND_URL` is not).
    #[arg(long, env = "GOOGLE_PROJECT_ID", value_name = "GOOGLE_PROJECT_ID")]
    pub google_project_id: Option<String>,
    /// The project's number (accepted for compatibility; BigQuery's API needs only the id).
    #[arg(long, env = "GOOGLE_PROJECT_NUMBER", value_name = "GOOGLE_PROJECT_NUMBER")]
    pub google_project_number: Option<String>,
    /// Appended to the user id to name the dataset (`1_prod` with Supabase's `_prod`).
    #[arg(
        long,
        env = "GOOGLE_DATASET_ID_APPEND",
        value_name = "GOOGLE_DATASET_ID_APPEND",
        default_value = "_default"
    )]
    pub google_dataset_id_append: String,
    /// Where the dataset is created.
    #[arg(
        long,
        env = "GOOGLE_DATASET_LOCATION",
        value_name = "GOOGLE_DATASET_LOCATION",
        default_value = "US"
    )]
    pub google_dataset_location: String,
    /// The service-account key file (default: `gcloud.json` in the working directory, where
    /// the `supabase/logflare` image mounts it).
    #[arg(
        long,
        env = "GOOGLE_APPLICATION_CREDENTIALS",
        value_name = "GOOGLE_APPLICATION_CREDENTIALS"
    )]
    pub google_application_credentials: Option<PathBuf>,
    /// The service-account key itself, as JSON (instead of a file).
    #[arg(
        long,
        env = "GOOGLE_APPLICATION_CREDENTIALS_JSON",
        value_name = "GOOGLE_APPLICATION_CREDENTIALS_JSON",
        hide_env_values = true
    )]
    pub google_application_credentials_json: Option<String>,
    /// A BigQuery API other than Google's (an emulator, `http://127.0.0.1:9050`); no
    /// credentials are sent to it.
    #[arg(long, env = "CINDER_BIGQUERY_ENDPOINT", value_name = "CINDER_BIGQUERY_ENDPOINT")]
    pub bigquery_endpoint: Option<String>,
    /// Whether BigQuery queries must filter on `timestamp` (Logflare's tables require it).
    #[arg(long, env = "CINDER_BIGQUERY_REQUIRE_PARTITION_FILTER", value_name = "CINDER_BIGQUERY_REQUIRE_PARTITION_FILTER", default_value = "true", action = ArgAction::Set, value_parser = parse_bool)]
    pub bigquery_require_partition_filter: bool,
    /// The schema of the Postgres backend's tables (Supabase uses `_analytics`).
    #[arg(
        long,
        env = "POSTGRES_BACKEND_SCHEMA",
        value_name = "POSTGRES_BACKEND_SCHEMA",
        default_value = "public"
    )]
    pub postgres_backend_schema: String,
    /// How long one query may run on the Postgres backend, in seconds.
    #[arg(
        long,
        env = "CINDER_QUERY_TIMEOUT_SECONDS",
        value_name = "CINDER_QUERY_TIMEOUT_SECONDS",
        default_value_t = 60
    )]
    pub query_timeout_seconds: u64,
    /// How much memory cached endpoint results may take, in MiB.
    #[arg(
        long,
        env = "CINDER_ENDPOINT_CACHE_MB",
        value_name = "CINDER_ENDPOINT_CACHE_MB",
        default_value_t = 64
    )]
    pub endpoint_cache_mb: usize,
    /// Serve the dashboard at `/dashboard` (`false`: its paths answer 404).
    #[arg(long, env = "CINDER_DASHBOARD", value_name = "CINDER_DASHBOARD", default_value = "true", action = ArgAction::Set, value_parser = parse_bool)]
    pub dashboard: bool,
    /// A user name for the dashboard's login form, beside tokens with the `private` scope.
    #[arg(long, env = "CINDER_DASHBOARD_USER", value_name = "CINDER_DASHBOARD_USER")]
    pub dashboard_user: Option<String>,
    /// The argon2id hash (PHC string) of that user's password: `cinder hash-password` makes one.
    #[arg(
        long,
        env = "CINDER_DASHBOARD_PASSWORD_HASH",
        value_name = "CINDER_DASHBOARD_PASSWORD_HASH",
        hide_env_values = true
    )]
    pub dashboard_password_hash: Option<String>,
    /// A dashboard session ends after this many minutes without a request.
    #[arg(
        long,
        env = "CINDER_DASHBOARD_IDLE_MINUTES",
        value_name = "CINDER_DASHBOARD_IDLE_MINUTES",
        default_value_t = 120
    )]
    pub dashboard_idle_minutes: u64,
    /// A dashboard session ends this many hours after login, however busy.
    #[arg(
        long,
        env = "CINDER_DASHBOARD_SESSION_HOURS",
        value_name = "CINDER_DASHBOARD_SESSION_HOURS",
        default_value_t = 24
    )]
    pub dashboard_session_hours: u64,
    /// The certificate chain (PEM) Cinder serves HTTPS with; with `CINDER_TLS_KEY`. Unset:
    /// plain HTTP (behind a proxy that terminates TLS, say).
    #[arg(long, env = "CINDER_TLS_CERT", value_name = "CINDER_TLS_CERT")]
    pub tls_cert: Option<PathBuf>,
    /// The private key (PEM) of `CINDER_TLS_CERT`.
    #[arg(long, env = "CINDER_TLS_KEY", value_name = "CINDER_TLS_KEY")]
    pub tls_key: Option<PathBuf>,
    /// Serve `GET /metrics` without a token (for a scraper on a private network); by default
    /// it needs a token with the `private` scope.
    #[arg(long, env = "CINDER_METRICS_PUBLIC", value_name = "CINDER_METRICS_PUBLIC", default_value = "false", action = ArgAction::Set, value_parser = parse_bool)]
    pub metrics_public: bool,
    /// Seconds a client may take to send a request's headers; also how long a kept-alive
    /// connection may sit idle.
    #[arg(
        long,
        env = "CINDER_HTTP_HEADER_TIMEOUT_SECONDS",
        value_name = "CINDER_HTTP_HEADER_TIMEOUT_SECONDS",
        default_value_t = 30,
        value_parser = clap::value_parser!(u64).range(1..)
    )]
    pub http_header_timeout_seconds: u64,
    /// Seconds a client may take to send a request's body.
    #[arg(
        long,
        env = "CINDER_HTTP_BODY_TIMEOUT_SECONDS",
        value_name = "CINDER_HTTP_BODY_TIMEOUT_SECONDS",
        default_value_t = 60,
        value_parser = clap::value_parser!(u64).range(1..)
    )]
    pub http_body_timeout_seconds: u64,
    /// Run alerts on their schedule (Logflare's variable; they can always be run on demand).
    #[arg(long, env = "LOGFLARE_ALERTS_ENABLED", value_name = "LOGFLARE_ALERTS_ENABLED", default_value = "true", action = ArgAction::Set, value_parser = parse_bool)]
    pub alerts_enabled: bool,
    /// The shortest time allowed between two runs of an alert's cron (Logflare's 5 minutes).
    #[arg(
        long,
        env = "CINDER_ALERT_MIN_INTERVAL_SECONDS",
        value_name = "CINDER_ALERT_MIN_INTERVAL_SECONDS",
        default_value_t = 300
    )]
    pub alert_min_interval_seconds: u64,
    /// How often retention deletes expired events (and how long after start-up it first does).
    #[arg(
        long,
        env = "CINDER_RETENTION_INTERVAL_SECONDS",
        value_name = "CINDER_RETENTION_INTERVAL_SECONDS",
        default_value_t = 900,
        value_parser = clap::value_parser!(u64).range(1..)
    )]
    pub retention_interval_seconds: u64,
    /// Port for syslog over UDP and TCP (RFC 5424 and 3164; octet-counted or newline
    /// framing), on `PHX_HTTP_IP`'s address. Unset: off.
    #[arg(long, env = "CINDER_SYSLOG_PORT", value_name = "CINDER_SYSLOG_PORT")]
    pub syslog_port: Option<u16>,
    /// Port for OTLP over gRPC (the logs and trace collector services), on `PHX_HTTP_IP`'s
    /// address. Unset: off (OTLP/HTTP is always on, at `/v1/logs` and `/v1/traces`).
    #[arg(long, env = "CINDER_OTLP_GRPC_PORT", value_name = "CINDER_OTLP_GRPC_PORT")]
    pub otlp_grpc_port: Option<u16>,
    /// The source syslog messages go to (created when missing).
    #[arg(
        long,
        env = "CINDER_SYSLOG_SOURCE",
        value_name = "CINDER_SYSLOG_SOURCE",
        default_value = "syslog"
    )]
    pub syslog_source: String,
    /// Base64 of the 32-byte key that seals secrets at rest (AES-256-GCM). Unset: a key is
    /// generated in the data directory.
    #[arg(
        long,
        env = "LOGFLARE_DB_ENCRYPTION_KEY",
        value_name = "LOGFLARE_DB_ENCRYPTION_KEY",
        hide_env_values = true
    )]
    pub db_encryption_key: Option<String>,
    /// The previous key, while rotating: start-up re-seals every secret under the new one.
    #[arg(
        long,
        env = "LOGFLARE_DB_ENCRYPTION_KEY_RETIRED",
        value_name = "LOGFLARE_DB_ENCRYPTION_KEY_RETIRED",
        hide_env_values = true
    )]
    pub db_encryption_key_retired: Option<String>,
    /// Host of a PostgreSQL database for the catalog (Logflare's metadata database). Unset:
    /// the catalog lives beside the events.
    #[arg(long, env = "DB_HOSTNAME", value_name = "DB_HOSTNAME")]
    pub db_hostname: Option<String>,
    /// Port of the catalog database.
    #[arg(long, env = "DB_PORT", value_name = "DB_PORT", default_value_t = 5432)]
    pub db_port: u16,
    /// Name of the catalog database.
    #[arg(long, env = "DB_DATABASE", value_name = "DB_DATABASE", default_value = "logflare")]
    pub db_database: String,
    /// User of the catalog database.
    #[arg(long, env = "DB_USERNAME", value_name = "DB_USERNAME", default_value = "postgres")]
    pub db_username: String,
    /// Password of the catalog database.
    #[arg(long, env = "DB_PASSWORD", value_name = "DB_PASSWORD", hide_env_values = true)]
    pub db_password: Option<String>,
    /// Schema of the catalog's tables.
    #[arg(long, env = "DB_SCHEMA", value_name = "DB_SCHEMA", default_value = "public")]
    pub db_schema: String,
    /// TLS to the catalog database, the server's certificate and name verified (libpq's
    /// `verify-full`).
    #[arg(long, env = "DB_SSL", value_name = "DB_SSL", default_value = "false", action = ArgAction::Set, value_parser = parse_bool)]
    pub db_ssl: bool,
    /// The CA certificates (PEM) the catalog database's certificate must chain to, with
    /// `DB_SSL=true`. Unset: the public roots.
    #[arg(long, env = "DB_SSL_CA_CERT_PATH", value_name = "DB_SSL_CA_CERT_PATH")]
    pub db_ssl_ca_cert_path: Option<PathBuf>,
}

impl Config {
    /// The address to listen on (see [`Config::ip`]).
    pub fn bind_ip(&self) -> IpAddr {
        let default = if self.single_tenant && self.supabase_mode {
            IpAddr::from([0, 0, 0, 0])
        } else {
            IpAddr::from([127, 0, 0, 1])
        };
        self.ip.unwrap_or(default)
    }

    /// Returns the public token from `LOGFLARE_PUBLIC_ACCESS_TOKEN`, or its deprecated alias.
    pub fn public_token(&self) -> Option<&str> {
        self.public_access_token
            .as_deref()
            .or(self.api_key.as_deref())
            .filter(|token| !token.is_empty())
    }

    /// The catalog database named by the `DB_*` variables, if `DB_HOSTNAME` is set.
    pub fn catalog_database(&self) -> Option<Result<cinder_storage::postgres::tls::Connection, String>> {
        let host = self.db_hostname.as_deref().filter(|host| !host.is_empty())?;
        let mut config = tokio_postgres::Config::new();
        config
            .host(host)
            .port(self.db_port)
            .dbname(&self.db_database)
            .user(&self.db_username);
        if let Some(password) = &self.db_password {
            config.password(password);
        }
        let mode = if self.db_ssl {
            SslMode::VerifyFull
        } else {
            SslMode::Prefer
        };
        Some(tls::with_mode(config, mode, self.db_ssl_ca_cert_path.as_deref()))
    }

    /// Returns a configuration for tests: port 0, the given data directory, defaults otherwise.
    pub fn for_data_dir(data_dir: PathBuf) -> Self {
        let mut config = Config::parse_from(["cinder"]);
        config.port = 0;
        config.data_dir = data_dir;
        config
    }
}

/// Log verbosity, with Logflare's names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LogLevel {
    /// Errors only.
    Error,
    /// Warnings and errors.
    #[value(alias = "warn")]
    Warning,
    /// The default.
    Info,
    /// Everything.
    Debug,
}

/// Parses a boolean as Logflare does: `true` or `false`, any case.
fn parse_bool(value: &str) -> Result<bool, String> {
    match value.to_ascii_lowercase().as_str() {
        "true" => Ok(true),
        "false" => Ok(false),
        _ => Err(format!("expected `true` or `false`, got `{value}`")),
    }
}

/// The `CINDER_*` variables Cinder reads; any other is refused at start-up.
const CINDER_VARS: &[&str] = &[
    "CINDER_DATA_DIR",
    "CINDER_EMBEDDED_MEMORY_LIMIT",
    "CINDER_EMBEDDED_CHECKPOINT_THRESHOLD",
    "CINDER_MAX_PENDING_EVENTS",
    "CINDER_QUERY_TIMEOUT_SECONDS",
    "CINDER_ENDPOINT_CACHE_MB",
    "CINDER_BIGQUERY_ENDPOINT",
    "CINDER_BIGQUERY_REQUIRE_PARTITION_FILTER",
    "CINDER_DASHBOARD",
    "CINDER_DASHBOARD_USER",
    "CINDER_DASHBOARD_PASSWORD_HASH",
    "CINDER_DASHBOARD_IDLE_MINUTES",
    "CINDER_DASHBOARD_SESSION_HOURS",
    "CINDER_METRICS_PUBLIC",
    "CINDER_TLS_CERT",
    "CINDER_TLS_KEY",
    "CINDER_ALERT_MIN_INTERVAL_SECONDS",
    "CINDER_MAX_PENDING_MB",
    "CINDER_LOAD_BATCH_MB",
    "CINDER_RETENTION_INTERVAL_SECONDS",
    "CINDER_SYSLOG_PORT",
    "CINDER_OTLP_GRPC_PORT",
    "CINDER_SYSLOG_SOURCE",
    "CINDER_HTTP_HEADER_TIMEOUT_SECONDS",
    "CINDER_HTTP_BODY_TIMEOUT_SECONDS",
    // Read by the test and benchmark scripts, not by the server.
    "CINDER_TEST_DATABASE_URL",
    "CINDER_TEST_BIGQUERY_URL",
    "CINDER_BQ_PORT",
    "CINDER_PG_DIR",
    "CINDER_PG_PORT",
    "CINDER_BLESS",
    "CINDER_BENCH_EVENTS",
    "CINDER_IMAGE_BINARY",
    "CINDER_IMAGE_CACHE",
    "CINDER_DEBIAN_MIRROR",
    "CINDER_DOCKERD_LOG",
    "CINDER_TEST_IMAGE",
    "CINDER_TEST_PYTHON",
    "CINDER_TEST_DATABASE_CA",
    "CINDER_SOAK_ROUNDS",
    "CINDER_FUZZ_SECONDS",
    "CINDER_FUZZ_TARGET_DIR",
    "CINDER_OVERLOAD_SECONDS",
    "CINDER_OUTAGE_SECONDS",
];

/// Fails on an unknown `CINDER_*` environment variable, naming it.
pub fn reject_unknown_cinder_vars() -> anyhow::Result<()> {
    for (name, _) in std::env::vars_os() {
        let Some(name) = name.to_str() else { continue };
        if name.starts_with("CINDER_") && !CINDER_VARS.contains(&name) {
            anyhow::bail!(
                "unknown environment variable `{name}`; Cinder reads {}",
                CINDER_VARS[..5].join(", ")
            );
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn invalid_values_name_the_variable() {
        let error = Config::try_parse_from(["cinder", "--port", "many"])
            .unwrap_err()
            .to_string();
        assert!(error.contains("PHX_HTTP_PORT"), "{error}");
        let error = Config::try_parse_from(["cinder", "--supabase-mode", "yes"])
            .unwrap_err()
            .to_string();
        assert!(error.contains("LOGFLARE_SUPABASE_MODE"), "{error}");
        let config = Config::try_parse_from(["cinder", "--log-level", "warn", "--single-tenant", "TRUE"]).unwrap();
        assert_eq!(config.log_level, LogLevel::Warning);
        assert!(config.single_tenant);
    }

    #[test]
    fn supabase_mode_listens_on_every_interface_unless_told() {
        let parse = |args: &[&str]| Config::try_parse_from([&["cinder"], args].concat()).unwrap().bind_ip();
        assert_eq!(parse(&[]).to_string(), "127.0.0.1");
        assert_eq!(parse(&["--supabase-mode", "true"]).to_string(), "0.0.0.0");
        assert_eq!(
            parse(&["--supabase-mode", "true", "--ip", "10.0.0.2"]).to_string(),
            "10.0.0.2"
        );
    }
}
