//! The listening socket, counting the connections open on it for the metrics, and the
//! connections served on it, plain or HTTPS, with timeouts for slow clients.

use std::convert::Infallible;
use std::future::Future;
use std::io;
use std::net::SocketAddr;
use std::path::Path;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::{HeaderValue, Request, StatusCode};
use axum::response::IntoResponse;
use axum::serve::Listener;
use axum::Json;
use axum::Router;
use bytes::Bytes;
use hyper::body::{Body as HttpBody, Frame, Incoming, SizeHint};
use hyper::server::conn::http1;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use rustls::ServerConfig;
use serde_json::json;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream};
use tokio_rustls::TlsAcceptor;

use crate::metrics::metrics;

/// Raises this process's limit of open files to the hard limit, as servers that hold many
/// connections do: the soft limit is often 1,024, which a thousand idle clients would reach,
/// after which new connections (and files) are refused. Returns the limit now in force.
pub fn raise_open_files_limit() -> Option<u64> {
    // SAFETY: getrlimit and setrlimit only read and write the struct they are given.
    unsafe {
        let mut limit = std::mem::zeroed::<libc::rlimit>();
        if libc::getrlimit(libc::RLIMIT_NOFILE, &mut limit) != 0 {
            return None;
        }
        if limit.rlim_cur < limit.rlim_max {
            let raised = libc::rlimit {
                rlim_cur: limit.rlim_max,
                rlim_max: limit.rlim_max,
            };
            if libc::setrlimit(libc::RLIMIT_NOFILE, &raised) == 0 {
                limit = raised;
            } else {
                tracing::warn!(
                    soft = limit.rlim_cur,
                    hard = limit.rlim_max,
                    "cannot raise the limit of open files"
                );
            }
        }
        Some(limit.rlim_cur as u64)
    }
}

/// A TCP listener whose connections count in `cinder_http_open_connections` while open.
pub struct CountingListener(pub TcpListener);

impl Listener for CountingListener {
    type Io = Counted;
    type Addr = SocketAddr;

    async fn accept(&mut self) -> (Counted, SocketAddr) {
        let (stream, address) = Listener::accept(&mut self.0).await;
        metrics().open_connections.inc();
        (Counted(stream), address)
    }

    fn local_addr(&self) -> io::Result<SocketAddr> {
        self.0.local_addr()
    }
}

/// A connection, counted until it is dropped.
pub struct Counted(TcpStream);

impl Drop for Counted {
    fn drop(&mut self) {
        metrics().open_connections.dec();
    }
}

impl AsyncRead for Counted {
    fn poll_read(mut self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &mut ReadBuf<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.0).poll_read(cx, buf)
    }
}

impl AsyncWrite for Counted {
    fn poll_write(mut self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.0).poll_write(cx, buf)
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.0).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.0.is_write_vectored()
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.0).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.0).poll_shutdown(cx)
    }
}

/// How long a client may take over its requests.
#[derive(Debug, Clone, Copy)]
pub struct Timeouts {
    /// To send a request's headers, and the longest a kept-alive connection may sit idle.
    pub header: Duration,
    /// To send a request's body, from the end of its headers.
    pub body: Duration,
}

/// How long a client has to finish the TLS handshake.
const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);

/// Serves `app` on `listener` — over TLS with `tls` — until `shutdown` completes, then waits up
/// to `drain` for the requests under way to finish. Each connection is HTTP/1.1 in a task of
/// its own (a TLS handshake too, bounded by [`HANDSHAKE_TIMEOUT`]), with the peer's address
/// given to handlers (`ConnectInfo`). A client that is too slow with its headers, or leaves a
/// connection idle, is disconnected after `timeouts.header`; one whose body takes longer than
/// `timeouts.body` gets a 408 instead, so slow clients cannot hold connections (and the
/// server's memory) forever.
pub async fn serve(
    mut listener: CountingListener,
    app: Router,
    tls: Option<Arc<ServerConfig>>,
    timeouts: Timeouts,
    drain: Duration,
    shutdown: impl Future<Output = ()>,
) {
    let mut builder = http1::Builder::new();
    builder.timer(TokioTimer::new()).header_read_timeout(timeouts.header);
    let tls = tls.map(TlsAcceptor::from);
    let graceful = GracefulShutdown::new();
    let mut shutdown = std::pin::pin!(shutdown);
    loop {
        let (io, address) = tokio::select! {
            accepted = listener.accept() => accepted,
            () = &mut shutdown => break,
        };
        let service = service(app.clone(), address, timeouts, tls.is_some());
        let (builder, watcher, tls) = (builder.clone(), graceful.watcher(), tls.clone());
        tokio::spawn(async move {
            let served = match tls {
                None => watcher.watch(builder.serve_connection(TokioIo::new(io), service)).await,
                Some(tls) => match tokio::time::timeout(HANDSHAKE_TIMEOUT, tls.accept(io)).await {
                    Ok(Ok(stream)) => {
                        watcher
                            .watch(builder.serve_connection(TokioIo::new(stream), service))
                            .await
                    }
                    Ok(Err(error)) => return tracing::debug!(%address, %error, "TLS handshake failed"),
                    Err(_) => return tracing::debug!(%address, "TLS handshake timed out"),
                },
            };
            if let Err(error) = served {
                tracing::debug!(%error, %address, "connection ended with an error");
            }
        });
    }
    drop(listener);
    if tokio::time::timeout(drain, graceful.shutdown()).await.is_err() {
        tracing::warn!(
            seconds = drain.as_secs(),
            "requests still under way at shutdown were cut off"
        );
    }
}

/// The service of one connection from `address`: `app`, with the body deadline and the peer's
/// address; over TLS, requests say so (`X-Forwarded-Proto: https`) for the dashboard's cookies.
fn service(
    app: Router,
    address: SocketAddr,
    timeouts: Timeouts,
    https: bool,
) -> impl hyper::service::Service<
    Request<Incoming>,
    Response = axum::response::Response,
    Error = Infallible,
    Future = impl Future<Output = Result<axum::response::Response, Infallible>> + Send,
> + Clone {
    hyper::service::service_fn(move |request: Request<Incoming>| {
        let expired = Arc::new(AtomicBool::new(false));
        let mut request = request.map(|body| Body::new(Deadline::new(body, timeouts.body, expired.clone())));
        request.extensions_mut().insert(ConnectInfo(address));
        if https {
            request
                .headers_mut()
                .insert("x-forwarded-proto", HeaderValue::from_static("https"));
        }
        let app = app.clone();
        async move {
            let response = tower::ServiceExt::oneshot(app, request).await?;
            // Whatever the handler made of the failed body, the client was too slow.
            if expired.load(Ordering::Acquire) {
                let message = format!(
                    "the request body was not received within {} s (CINDER_HTTP_BODY_TIMEOUT_SECONDS); nothing of it was stored",
                    timeouts.body.as_secs()
                );
                return Ok((StatusCode::REQUEST_TIMEOUT, Json(json!({ "error": message }))).into_response());
            }
            Ok(response)
        }
    })
}

/// The server's TLS settings from a PEM certificate chain and key.
pub fn tls_config(cert: &Path, key: &Path) -> Result<Arc<ServerConfig>, String> {
    let chain = CertificateDer::pem_file_iter(cert)
        .and_then(|certificates| certificates.collect::<Result<Vec<_>, _>>())
        .map_err(|error| {
            format!(
                "cannot read the certificate `{}` (CINDER_TLS_CERT): {error}",
                cert.display()
            )
        })?;
    if chain.is_empty() {
        return Err(format!("`{}` (CINDER_TLS_CERT) holds no certificate", cert.display()));
    }
    let key = PrivateKeyDer::from_pem_file(key).map_err(|error| {
        format!(
            "cannot read the private key `{}` (CINDER_TLS_KEY): {error}",
            key.display()
        )
    })?;
    let mut config = ServerConfig::builder_with_provider(Arc::new(rustls::crypto::ring::default_provider()))
        .with_safe_default_protocol_versions()
        .map_err(|error| error.to_string())?
        .with_no_client_auth()
        .with_single_cert(chain, key)
        .map_err(|error| format!("CINDER_TLS_CERT and CINDER_TLS_KEY do not make a certificate: {error}"))?;
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(Arc::new(config))
}

/// A request body that fails once `limit` has passed since the request arrived, and says so
/// in `expired`.
struct Deadline {
    inner: Incoming,
    expires: Pin<Box<tokio::time::Sleep>>,
    expired: Arc<AtomicBool>,
}

impl Deadline {
    fn new(inner: Incoming, limit: Duration, expired: Arc<AtomicBool>) -> Self {
        Self {
            inner,
            expires: Box::pin(tokio::time::sleep(limit)),
            expired,
        }
    }
}

impl HttpBody for Deadline {
    type Data = Bytes;
    type Error = axum::BoxError;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, axum::BoxError>>> {
        if let Poll::Ready(frame) = Pin::new(&mut self.inner).poll_frame(cx) {
            return Poll::Ready(frame.map(|frame| frame.map_err(Into::into)));
        }
        if self.expires.as_mut().poll(cx).is_ready() {
            self.expired.store(true, Ordering::Release);
            return Poll::Ready(Some(Err("the request body took too long".into())));
        }
        Poll::Pending
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.inner.size_hint()
    }
}
