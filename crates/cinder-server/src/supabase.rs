//! Supabase mode (`LOGFLARE_SINGLE_TENANT=true` + `LOGFLARE_SUPABASE_MODE=true`): the sources
//! Supabase's Vector ships to and the endpoints Supabase Studio calls, created at start-up.
//!
//! Seeding is by name and idempotent: a source or endpoint that exists is left as the user
//! changed it, one that is missing is created. The endpoints' SQL is Cinder's own, in
//! `crates/cinder-server/supabase/`, with the CTE names, columns and parameters Studio relies on.

use std::sync::Arc;

use anyhow::Context;
use cinder_core::{LogEvent, SourceName};
use cinder_storage::{Backend, Postgres};
use serde_json::{json, Value};
use uuid::Uuid;

use crate::catalog::Catalog;
use crate::endpoints::{Endpoint, Endpoints};

/// The sources of a Supabase stack, by the names Vector and Studio use.
pub const SOURCES: [&str; 9] = [
    "cloudflare.logs.prod",
    "postgres.logs",
    "deno-relay-logs",
    "deno-subhosting-events",
    "gotrue.logs.prod",
    "realtime.logs.prod",
    "storage.logs.prod.2",
    "postgREST.logs.prod",
    "pgbouncer.logs.prod",
];

/// Endpoints only Supabase's platform has, which Studio may still call on a self-hosted stack:
/// they answer no rows rather than an error.
pub const PLATFORM_ONLY: [&str; 8] = [
    "usage.api-requests-count",
    "functions.combined-stats",
    "functions.req-stats",
    "functions.resource-usage",
    "service-health",
    "auth.metrics",
    "logs.all.otel",
    "api_keys.last_used.otel",
];

/// The endpoints Studio calls, with the settings it relies on.
fn seeded_endpoints() -> [Value; 2] {
    [
        json!({
            "name": "logs.all",
            "query": include_str!("../supabase/logs.all.sql"),
            "sandboxable": true,
            "max_limit": 1000,
            "cache_duration_seconds": 0,
            "enable_auth": true,
        }),
        json!({
            "name": "usage.api-counts",
            "query": include_str!("../supabase/usage.api-counts.sql"),
            "max_limit": 1000,
            "cache_duration_seconds": 900,
            "proactive_requerying_seconds": 300,
            "enable_auth": true,
        }),
    ]
}

/// Creates the Supabase sources and endpoints that are missing.
pub async fn seed(catalog: &Catalog, endpoints: &Endpoints, backend: &Arc<dyn Backend>) -> anyhow::Result<()> {
    let mut created = 0;
    for name in SOURCES {
        if catalog.source_by_name(name).is_some() {
            continue;
        }
        let source_name = SourceName::try_from(name.to_owned()).map_err(anyhow::Error::msg)?;
        let handle = catalog
            .create_source(source_name, |source| source)
            .await
            .with_context(|| format!("cannot create the Supabase source `{name}`"))?;
        backend.apply_schema(&handle.table, &handle.schema()).await?;
        created += 1;
    }
    for settings in seeded_endpoints() {
        let settings = settings.as_object().expect("endpoint settings are an object");
        let name = settings["name"].as_str().expect("named");
        if catalog.endpoint_by_name(name).is_some() {
            continue;
        }
        let mut endpoint = Endpoint::new(0, String::new(), String::new(), &crate::now_rfc3339());
        endpoint
            .apply(settings)
            .map_err(|error| anyhow::anyhow!("the seeded endpoint `{name}` is invalid: {error:?}"))?;
        // A source whose events are shaped unlike Supabase's may stop a seeded query from
        // translating; the endpoint is created anyway (its calls say why), never stopping start-up.
        endpoint.source_mapping = match endpoints.check(&endpoint) {
            Ok(mapping) => mapping,
            Err(error) => {
                tracing::error!(endpoint = name, %error, "a seeded endpoint does not translate over the sources' current schemas");
                endpoints.source_mapping(&endpoint)
            }
        };
        catalog
            .put(|id| Endpoint { id, ..endpoint })
            .await
            .with_context(|| format!("cannot create the Supabase endpoint `{name}`"))?;
        created += 1;
    }
    if created > 0 {
        tracing::info!(created, "seeded Supabase's sources and endpoints");
    }
    Ok(())
}

/// How many of a taken-over source's latest events its schema is learned from.
const SCHEMA_SAMPLE: i64 = 1000;

/// Takes over the sources of a Logflare this Cinder replaces: each source in Logflare's metadata
/// table that Cinder does not know yet is created with Logflare's token (so its
/// `log_events_<token>` table, and the history in it, stay readable) and a schema learned from
/// its latest events. Returns how many were taken over.
pub async fn take_over_logflare(catalog: &Catalog, metadata: &Postgres, events: &Postgres) -> anyhow::Result<usize> {
    let mut taken = 0;
    for (name, token) in metadata
        .logflare_sources()
        .await
        .context("cannot read Logflare's sources")?
    {
        let Ok(token) = Uuid::parse_str(&token) else { continue };
        if catalog.source(&token).is_some() || catalog.source_by_name(&name).is_some() {
            continue;
        }
        let Ok(source_name) = SourceName::try_from(name.clone()) else {
            tracing::warn!(%name, "a Logflare source with a name Cinder cannot take is left out");
            continue;
        };
        let handle = catalog
            .create_source(source_name, |mut source| {
                source.token = token;
                source
            })
            .await
            .with_context(|| format!("cannot take over Logflare's source `{name}`"))?;
        let mut sample: Vec<LogEvent> = events
            .latest_bodies(&handle.table, SCHEMA_SAMPLE)
            .await?
            .into_iter()
            .filter_map(LogEvent::from_json)
            .collect();
        if !sample.is_empty() {
            match handle.apply_schema(&mut sample) {
                Ok((schema, _)) => {
                    catalog.save_schema(&token, &schema).await?;
                    handle.schema_saved(schema.version());
                }
                Err(error) => tracing::warn!(%name, %error, "the schema of a Logflare source could not be learned"),
            }
        }
        taken += 1;
    }
    if taken > 0 {
        tracing::info!(sources = taken, "took over Logflare's sources and their tables");
    }
    Ok(taken)
}
