//! What every handler shares.

use std::sync::atomic::AtomicBool;
use std::sync::Arc;

use cinder_storage::Backend;

use crate::catalog::Catalog;
use crate::config::Config;
use crate::endpoints::Endpoints;
use crate::ingest::pipeline::Pipeline;

/// Shared state, cloned into each handler.
#[derive(Clone)]
pub struct AppState {
    /// Runtime settings.
    pub config: Arc<Config>,
    /// Users, tokens, sources and schemas.
    pub catalog: Arc<Catalog>,
    /// The ingest pipeline.
    pub pipeline: Arc<Pipeline>,
    /// Where events are stored and queried.
    pub backend: Arc<dyn Backend>,
    /// The embedded database, when events or the catalog are in it (for backups).
    pub embedded: Option<cinder_storage::Embedded>,
    /// Delivery of routed events to backends.
    pub egress: Arc<crate::routing::Egress>,
    /// Saved queries and their cached results.
    pub endpoints: Arc<Endpoints>,
    /// Alerts: scheduled queries that notify.
    pub alerts: Arc<crate::alerts::Alerts>,
    /// Dashboard sessions and login attempts.
    pub sessions: Arc<crate::dashboard::Sessions>,
    /// Failed authentications per client address.
    pub auth_failures: Arc<crate::limits::FailureLimiter>,
    /// True once start-up is complete and until shutdown begins.
    pub ready: Arc<AtomicBool>,
}
