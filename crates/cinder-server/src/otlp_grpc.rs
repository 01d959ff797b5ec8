//! OTLP over gRPC on `CINDER_OTLP_GRPC_PORT`: the collector services of `cinder-otlp`, whose
//! exports are stored as OTLP/HTTP's are (the same token, source and durability rules).

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::Arc;

use anyhow::Context;
use cinder_otlp::grpc::{Accepted, HeaderMap, Sink};
use cinder_otlp::Record;

use crate::auth::{authenticate, shipper_token};
use crate::error::ApiError;
use crate::ingest::decode::MAX_BODY_BYTES;
use crate::state::AppState;

struct Store(AppState);

impl Sink for Store {
    fn accept(&self, headers: HeaderMap, records: Vec<Record>) -> Accepted {
        let state = self.0.clone();
        Box::pin(async move {
            let params = HashMap::new();
            let result = async {
                let principal =
                    authenticate(&state, shipper_token(&headers, &params).as_deref()).ok_or(ApiError::Unauthorized)?;
                crate::http::otlp::take(&state, &principal, &params, &headers, records).await
            }
            .await;
            result.map_err(|error| (error.status().as_u16(), error.to_string()))
        })
    }
}

/// Listens on `address` and serves OTLP/gRPC in the background.
pub async fn start(state: AppState, address: SocketAddr) -> anyhow::Result<()> {
    let listener = tokio::net::TcpListener::bind(address)
        .await
        .with_context(|| format!("cannot listen for OTLP/gRPC on {address} (CINDER_OTLP_GRPC_PORT)"))?;
    tracing::info!(address = %listener.local_addr()?, "OTLP/gRPC is listening");
    let sink: Arc<dyn Sink> = Arc::new(Store(state));
    tokio::spawn(async move {
        if let Err(reason) = cinder_otlp::grpc::serve(listener, sink, MAX_BODY_BYTES, std::future::pending()).await {
            tracing::error!(%reason, "the OTLP/gRPC listener stopped");
        }
    });
    Ok(())
}
