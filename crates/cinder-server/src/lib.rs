//! Cinder's server: configuration, the HTTP API, the ingest pipeline and the catalog.
//!
//! [`run`] opens the data directory, replays the write-ahead log and serves until SIGINT or
//! SIGTERM. Tests use [`router`] and [`serve`] directly.

pub mod alerts;
pub mod auth;
pub mod backup;
pub mod catalog;
pub mod config;
pub mod dashboard;
pub mod drains;
pub mod endpoints;
pub mod error;
mod http;
pub mod ingest;
pub mod limits;
pub mod listener;
pub mod metrics;
mod otlp_grpc;
pub mod query;
mod retention;
pub mod routing;
pub mod rules;
pub mod search;
pub mod sources;
pub mod state;
pub mod supabase;
mod syslog;
pub mod teams;
pub mod tokens;
pub mod vault;
pub mod wal;

use std::io::Write;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use cinder_bigquery::{BigQuery, BigQueryConfig, ServiceAccount};
use cinder_storage::{Backend, CatalogStore, Embedded, EngineSettings, Postgres};
use tokio::net::TcpListener;

pub use http::{operations, router, Access, Operation};

use crate::auth::Scope;
use crate::catalog::Catalog;
use crate::config::{Config, LogLevel};
use crate::endpoints::Endpoints;
use crate::ingest::pipeline::Pipeline;
use crate::state::AppState;
use crate::vault::Vault;
use crate::wal::Wal;

/// Where the generated private token is written, inside the data directory.
const GENERATED_TOKEN_FILE: &str = "private-access-token";
const GENERATED_TOKEN_DESCRIPTION: &str = "generated on first start";

/// Returns the current time as RFC 3339, UTC, with microseconds.
pub fn now_rfc3339() -> String {
    chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Micros, true)
}

/// Sets up logging at Logflare's level names.
pub fn init_tracing(level: LogLevel) {
    let filter = match level {
        LogLevel::Error => "error",
        LogLevel::Warning => "warn",
        LogLevel::Info => "info",
        LogLevel::Debug => "debug",
    };
    // Colours only on a terminal: `docker logs` and journald get plain lines.
    let _ = tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::new(filter))
        .with_target(false)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stdout()))
        .try_init();
}

/// Opens everything in the data directory and returns ready-to-serve state.
pub async fn start(config: Config) -> anyhow::Result<AppState> {
    let dir = &config.data_dir;
    std::fs::create_dir_all(dir).with_context(|| format!("cannot create the data directory `{}`", dir.display()))?;
    backup::check_format(dir)?;
    // The Postgres databases in use, if any: where events live, and where the catalog lives
    // (which is also where a Logflare this replaces kept its metadata).
    let mut events_postgres = None;
    let mut catalog_postgres = None;
    let mut embedded_store = None;
    // An empty value is no value: a compose override can only blank a variable, not remove it.
    let postgres_backend_url = config.postgres_backend_url.as_deref().filter(|url| !url.is_empty());
    let (store, backend): (Arc<dyn CatalogStore>, Arc<dyn Backend>) = match postgres_backend_url {
        Some(url) => {
            let timeout = Duration::from_secs(config.query_timeout_seconds);
            let postgres = Postgres::connect(url, &config.postgres_backend_schema, timeout)
                .await
                .context("cannot connect to POSTGRES_BACKEND_URL")?;
            tracing::info!(schema = %config.postgres_backend_schema, "events and catalog are stored in PostgreSQL");
            events_postgres = Some(postgres.clone());
            catalog_postgres = Some(postgres.clone());
            (Arc::new(postgres.clone()), Arc::new(postgres))
        }
        None => {
            let settings = EngineSettings {
                memory_limit: config.embedded_memory_limit.clone(),
                checkpoint_threshold: config.embedded_checkpoint_threshold.clone(),
                ..EngineSettings::default()
            };
            let embedded =
                Embedded::open(&dir.join("cinder.duckdb"), &settings).context("cannot open the embedded database")?;
            embedded.set_query_timeout(Duration::from_secs(config.query_timeout_seconds));
            embedded_store = Some(embedded.clone());
            match config
                .google_project_id
                .as_deref()
                .filter(|project| !project.is_empty())
            {
                // Events in BigQuery; the catalog stays in the embedded database (or DB_*).
                Some(project) => {
                    let bigquery = BigQuery::connect(bigquery_config(&config, project)?)
                        .await
                        .context("cannot reach BigQuery")?;
                    tracing::info!(project, "events are stored in BigQuery");
                    (Arc::new(embedded), Arc::new(bigquery))
                }
                None => (Arc::new(embedded.clone()), Arc::new(embedded)),
            }
        }
    };
    let store = match config.catalog_database() {
        Some(database) => {
            let database = database
                .map_err(anyhow::Error::msg)
                .context("the catalog database's TLS settings (DB_SSL, DB_SSL_CA_CERT_PATH)")?;
            let timeout = Duration::from_secs(config.query_timeout_seconds);
            let postgres = Postgres::connect_with(database, &config.db_schema, timeout)
                .await
                .context("cannot connect to the catalog database (DB_HOSTNAME, DB_PORT, DB_DATABASE, ...)")?;
            tracing::info!(schema = %config.db_schema, "the catalog is stored in the DB_* PostgreSQL database");
            catalog_postgres = Some(postgres.clone());
            Arc::new(postgres) as Arc<dyn CatalogStore>
        }
        None => store,
    };
    let vault = Arc::new(Vault::open(
        config.db_encryption_key.as_deref(),
        config.db_encryption_key_retired.as_deref(),
        dir,
    )?);
    let catalog = Arc::new(Catalog::load(store, vault).await.context("cannot load the catalog")?);
    set_up_tokens(&config, &catalog).await?;
    if let (true, Some(metadata), Some(events)) = (config.single_tenant, &catalog_postgres, &events_postgres) {
        supabase::take_over_logflare(&catalog, metadata, events).await?;
    }
    // A schema is saved before the rows that need its columns; make sure every table has them.
    for source in catalog.sources() {
        let schema = source.schema();
        backend
            .apply_schema(&source.table, &schema)
            .await
            .with_context(|| format!("cannot prepare the table of source `{}`", source.source.read().name))?;
        source.schema_stored(&schema);
    }

    let (wal, records) = Wal::open(&dir.join("wal")).context("cannot open the write-ahead log")?;
    let pipeline = Arc::new(Pipeline::new(
        wal,
        config.max_pending_events,
        usize::try_from(config.max_pending_mb << 20).unwrap_or(usize::MAX),
        usize::try_from(config.load_batch_mb << 20).unwrap_or(usize::MAX),
    ));
    let stored = backend
        .position()
        .await
        .context("cannot read the stored log position")?;
    let replayed = pipeline.replay(records, stored, &catalog);
    if replayed > 0 {
        tracing::info!(events = replayed, "replaying events from the write-ahead log");
    }
    tokio::spawn(pipeline.clone().run_loader(backend.clone(), catalog.clone()));
    tokio::spawn(retention::run(
        backend.clone(),
        catalog.clone(),
        Duration::from_secs(config.retention_interval_seconds),
    ));
    let endpoints = Arc::new(Endpoints::new(
        catalog.clone(),
        backend.clone(),
        config.endpoint_cache_mb.saturating_mul(1 << 20),
        Duration::from_secs(config.query_timeout_seconds),
    ));
    if config.single_tenant && config.supabase_mode {
        supabase::seed(&catalog, &endpoints, &backend).await?;
    }
    tokio::spawn(endpoints.clone().run_requery());
    let alerts = Arc::new(alerts::Alerts::new(
        catalog.clone(),
        endpoints.clone(),
        Duration::from_secs(config.alert_min_interval_seconds),
    ));
    if config.alerts_enabled {
        tokio::spawn(alerts.clone().run_schedule());
    }
    let egress = Arc::new(routing::Egress::new(drains::send::Environment {
        catalog: catalog.clone(),
        data_dir: config.data_dir.clone(),
        bigquery_endpoint: config
            .bigquery_endpoint
            .clone()
            .unwrap_or_else(|| cinder_bigquery::GOOGLE_ENDPOINT.to_owned()),
        google_account: drain_google_account(&config),
    }));
    let sessions = Arc::new(dashboard::Sessions::new(&config));
    Ok(AppState {
        sessions,
        auth_failures: Arc::new(limits::FailureLimiter::new(
            http::AUTH_FAILURES_PER_MINUTE,
            Duration::from_secs(60),
        )),
        egress,
        endpoints,
        alerts,
        config: Arc::new(config),
        catalog,
        pipeline,
        backend,
        embedded: embedded_store,
        ready: Arc::new(AtomicBool::new(true)),
    })
}

/// The service account BigQuery drains use: the server's, when it has one (none for an
/// emulator).
fn drain_google_account(config: &Config) -> Option<Arc<ServiceAccount>> {
    if config.bigquery_endpoint.is_some() {
        return None;
    }
    let account = match (
        &config.google_application_credentials_json,
        &config.google_application_credentials,
    ) {
        (Some(json), _) => serde_json::from_str(json)
            .map_err(|error| error.to_string())
            .and_then(|key| ServiceAccount::new(key).map_err(|error| error.to_string())),
        (None, Some(path)) => ServiceAccount::from_file(path).map_err(|error| error.to_string()),
        (None, None) if Path::new("gcloud.json").exists() => {
            ServiceAccount::from_file(Path::new("gcloud.json")).map_err(|error| error.to_string())
        }
        (None, None) => return None,
    };
    match account {
        Ok(account) => Some(Arc::new(account)),
        Err(reason) => {
            tracing::warn!(%reason, "the Google credentials cannot be read; BigQuery drains will fail");
            None
        }
    }
}

/// The BigQuery backend's settings, from the `supabase/logflare` image's variables.
fn bigquery_config(config: &Config, project: &str) -> anyhow::Result<BigQueryConfig> {
    let account = match (&config.bigquery_endpoint, &config.google_application_credentials_json) {
        // An emulator: no credentials.
        (Some(_), _) => None,
        (None, Some(json)) => {
            let key =
                serde_json::from_str(json).context("GOOGLE_APPLICATION_CREDENTIALS_JSON is not a key file's JSON")?;
            Some(
                ServiceAccount::new(key)
                    .map_err(|reason| anyhow::anyhow!("GOOGLE_APPLICATION_CREDENTIALS_JSON: {reason}"))?,
            )
        }
        (None, None) => {
            let path = config
                .google_application_credentials
                .clone()
                .unwrap_or_else(|| PathBuf::from("gcloud.json"));
            Some(ServiceAccount::from_file(&path).with_context(|| {
                "GOOGLE_PROJECT_ID selects the BigQuery backend, which needs a service-account key: \
                 set GOOGLE_APPLICATION_CREDENTIALS or put gcloud.json in the working directory"
            })?)
        }
    };
    Ok(BigQueryConfig {
        project_id: project.to_owned(),
        dataset_id: format!("{}{}", catalog::DEFAULT_USER_ID, config.google_dataset_id_append),
        location: config.google_dataset_location.clone(),
        endpoint: config
            .bigquery_endpoint
            .clone()
            .unwrap_or_else(|| cinder_bigquery::GOOGLE_ENDPOINT.to_owned()),
        account: account.map(Arc::new),
        state_dir: config.data_dir.join("bigquery"),
        query_timeout: Duration::from_secs(config.query_timeout_seconds),
        require_partition_filter: config.bigquery_require_partition_filter,
    })
}

/// Creates the env-var tokens (revoking ones an earlier value left), and generates a private
/// token on first start when none is configured.
async fn set_up_tokens(config: &Config, catalog: &Catalog) -> anyhow::Result<()> {
    let configured = [
        ("LOGFLARE_PUBLIC_ACCESS_TOKEN", config.public_token(), Scope::Public),
        (
            "LOGFLARE_PRIVATE_ACCESS_TOKEN",
            config.private_access_token.as_deref().filter(|t| !t.is_empty()),
            Scope::Private,
        ),
    ];
    for (variable, value, scope) in configured {
        let current = value.map(catalog::hash_token);
        for token in catalog.tokens() {
            if token.description.as_deref() == Some(variable) && Some(&token.hash) != current.as_ref() {
                catalog.revoke_token(&token.hash).await?;
                tracing::info!(variable, "revoked the token of an earlier value");
            }
        }
        if let Some(value) = value {
            catalog.add_token(value, vec![scope], Some(variable.to_owned())).await?;
        }
    }
    let has_generated = catalog
        .tokens()
        .iter()
        .any(|token| token.description.as_deref() == Some(GENERATED_TOKEN_DESCRIPTION));
    if config.private_access_token.is_none() && !has_generated {
        let secret: String = (0..32).map(|_| format!("{:02x}", rand::random::<u8>())).collect();
        write_secret(&config.data_dir.join(GENERATED_TOKEN_FILE), &secret)?;
        catalog
            .add_token(
                &secret,
                vec![Scope::Private],
                Some(GENERATED_TOKEN_DESCRIPTION.to_owned()),
            )
            .await?;
        println!(
            "Generated a private access token (shown once; also saved to {}):",
            config.data_dir.join(GENERATED_TOKEN_FILE).display()
        );
        println!("  {secret}");
        println!(
            "Use it as `Authorization: Bearer <token>` or `x-api-key: <token>`, or set LOGFLARE_PRIVATE_ACCESS_TOKEN."
        );
    }
    Ok(())
}

pub(crate) fn write_secret(path: &Path, secret: &str) -> anyhow::Result<()> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = options
        .open(path)
        .with_context(|| format!("cannot write `{}`", path.display()))?;
    writeln!(file, "{secret}")?;
    file.sync_all()?;
    Ok(())
}

/// How long requests under way at shutdown may take to finish.
const SHUTDOWN_DRAIN: Duration = Duration::from_secs(10);

/// Serves `state` on `listener` until `shutdown` completes.
pub async fn serve(
    listener: TcpListener,
    state: AppState,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> anyhow::Result<()> {
    serve_on(listener, None, state, shutdown).await
}

/// Serves `state` on `listener`, over TLS with `tls` when given, until `shutdown` completes.
async fn serve_on(
    listener: TcpListener,
    tls: Option<Arc<rustls::ServerConfig>>,
    state: AppState,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> anyhow::Result<()> {
    let ready = state.ready.clone();
    let timeouts = listener::Timeouts {
        header: Duration::from_secs(state.config.http_header_timeout_seconds),
        body: Duration::from_secs(state.config.http_body_timeout_seconds),
    };
    let app = router(state);
    let shutdown = async move {
        shutdown.await;
        ready.store(false, Ordering::Release);
    };
    let listener = listener::CountingListener(listener);
    listener::serve(listener, app, tls, timeouts, SHUTDOWN_DRAIN, shutdown).await;
    Ok(())
}

/// Runs the server until SIGINT or SIGTERM.
pub async fn run(config: Config) -> anyhow::Result<()> {
    let address = SocketAddr::new(config.bind_ip(), config.port);
    let tls = match (&config.tls_cert, &config.tls_key) {
        (Some(cert), Some(key)) => Some(listener::tls_config(cert, key).map_err(anyhow::Error::msg)?),
        (None, None) => None,
        _ => anyhow::bail!("CINDER_TLS_CERT and CINDER_TLS_KEY go together: set both, or neither"),
    };
    let syslog = config.syslog_port.map(|port| SocketAddr::new(config.bind_ip(), port));
    let otlp_grpc = config
        .otlp_grpc_port
        .map(|port| SocketAddr::new(config.bind_ip(), port));
    let state = start(config).await?;
    if let Some(address) = syslog {
        syslog::start(state.clone(), address, &state.config.syslog_source).await?;
    }
    if let Some(address) = otlp_grpc {
        otlp_grpc::start(state.clone(), address).await?;
    }
    let listener = TcpListener::bind(address)
        .await
        .with_context(|| format!("cannot listen on {address} (PHX_HTTP_IP, PHX_HTTP_PORT)"))?;
    let scheme = if tls.is_some() { "https" } else { "http" };
    tracing::info!(address = %listener.local_addr()?, scheme, "cinder is listening");
    serve_on(listener, tls, state, shutdown_signal()).await
}

async fn shutdown_signal() {
    let interrupt = tokio::signal::ctrl_c();
    #[cfg(unix)]
    {
        let mut terminate =
            tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()).expect("signal handler");
        tokio::select! {
            _ = interrupt => {}
            _ = terminate.recv() => {}
        }
    }
    #[cfg(not(unix))]
    let _ = interrupt.await;
    tracing::info!("shutting down");
}
