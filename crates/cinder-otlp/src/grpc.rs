//! OTLP over gRPC: the `opentelemetry.proto.collector.logs.v1.LogsService` and
//! `...trace.v1.TraceService` services on a listener of their own. Each export's records go to
//! a [`Sink`] with the call's metadata (where its token and source are); the sink's refusal,
//! an HTTP status and a reason, becomes the gRPC status OTLP/HTTP pairs with that HTTP status.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use opentelemetry_proto::tonic::collector::logs::v1::logs_service_server::{LogsService, LogsServiceServer};
use opentelemetry_proto::tonic::collector::logs::v1::{ExportLogsServiceRequest, ExportLogsServiceResponse};
use opentelemetry_proto::tonic::collector::trace::v1::trace_service_server::{TraceService, TraceServiceServer};
use opentelemetry_proto::tonic::collector::trace::v1::{ExportTraceServiceRequest, ExportTraceServiceResponse};
use tonic::codec::CompressionEncoding;
use tonic::{Request, Response, Status};

pub use tonic::codegen::http::HeaderMap;

use crate::{log_records, rpc_code, span_records, Record};

/// What a sink answers: accepted (durably), or refused with an HTTP status and a reason.
pub type Accepted = Pin<Box<dyn Future<Output = Result<(), (u16, String)>> + Send>>;

/// Where exported records go.
pub trait Sink: Send + Sync + 'static {
    /// Takes the records of one export, with the call's metadata as HTTP headers.
    fn accept(&self, headers: HeaderMap, records: Vec<Record>) -> Accepted;
}

struct Logs(Arc<dyn Sink>);
struct Traces(Arc<dyn Sink>);

fn status((http_status, message): (u16, String)) -> Status {
    Status::new(tonic::Code::from(rpc_code(http_status)), message)
}

#[tonic::async_trait]
impl LogsService for Logs {
    async fn export(
        &self,
        request: Request<ExportLogsServiceRequest>,
    ) -> Result<Response<ExportLogsServiceResponse>, Status> {
        let (metadata, _, message) = request.into_parts();
        self.0
            .accept(metadata.into_headers(), log_records(message))
            .await
            .map_err(status)?;
        Ok(Response::new(ExportLogsServiceResponse { partial_success: None }))
    }
}

#[tonic::async_trait]
impl TraceService for Traces {
    async fn export(
        &self,
        request: Request<ExportTraceServiceRequest>,
    ) -> Result<Response<ExportTraceServiceResponse>, Status> {
        let (metadata, _, message) = request.into_parts();
        self.0
            .accept(metadata.into_headers(), span_records(message))
            .await
            .map_err(status)?;
        Ok(Response::new(ExportTraceServiceResponse { partial_success: None }))
    }
}

/// Serves both services on `listener` until `shutdown` resolves. Messages larger than
/// `max_bytes` (decompressed) are refused with `RESOURCE_EXHAUSTED`; gzip'd calls are taken.
pub async fn serve(
    listener: tokio::net::TcpListener,
    sink: Arc<dyn Sink>,
    max_bytes: usize,
    shutdown: impl Future<Output = ()> + Send,
) -> Result<(), String> {
    let logs = LogsServiceServer::new(Logs(sink.clone()))
        .max_decoding_message_size(max_bytes)
        .accept_compressed(CompressionEncoding::Gzip);
    let traces = TraceServiceServer::new(Traces(sink))
        .max_decoding_message_size(max_bytes)
        .accept_compressed(CompressionEncoding::Gzip);
    tonic::transport::Server::builder()
        .add_service(logs)
        .add_service(traces)
        .serve_with_incoming_shutdown(tokio_stream::wrappers::TcpListenerStream::new(listener), shutdown)
        .await
        .map_err(|error| error.to_string())
}
