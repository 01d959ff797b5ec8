//! The listening socket, counting the connections open on it for the metrics, and the
//! connections served on it, with timeouts for slow clients.

use std::convert::Infallible;
use std::future::Future;
use std::io;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::{Request, StatusCode};
use axum::response::IntoResponse;
use axum::serve::Listener;
use axum::Json;
use axum::Router;
use bytes::Bytes;
use hyper::body::{Body as HttpBody, Frame, Incoming, SizeHint};
use hyper::server::conn::http1;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use serde_json::json;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream};

use crate::metrics::metrics;

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

/// Serves `app` on `listener` until `shutdown` completes, then waits up to `drain` for the
/// requests under way to finish. Each connection is HTTP/1.1 with the peer's address given to
/// handlers (`ConnectInfo`); a client that is too slow with its headers, or leaves a connection
/// idle, is disconnected after `timeouts.header`; one whose body takes longer than
/// `timeouts.body` gets a 408 instead of it, so slow clients cannot hold connections (and
/// the server's memory) forever.
pub async fn serve(
    mut listener: CountingListener,
    app: Router,
    timeouts: Timeouts,
    drain: Duration,
    shutdown: impl Future<Output = ()>,
) {
    let mut builder = http1::Builder::new();
    builder.timer(TokioTimer::new()).header_read_timeout(timeouts.header);
    let graceful = GracefulShutdown::new();
    let mut shutdown = std::pin::pin!(shutdown);
    loop {
        let (io, address) = tokio::select! {
            accepted = listener.accept() => accepted,
            () = &mut shutdown => break,
        };
        let app = app.clone();
        let service = hyper::service::service_fn(move |request: Request<Incoming>| {
            let expired = Arc::new(AtomicBool::new(false));
            let mut request = request.map(|body| Body::new(Deadline::new(body, timeouts.body, expired.clone())));
            request.extensions_mut().insert(ConnectInfo(address));
            let app = app.clone();
            async move {
                let response = tower::ServiceExt::oneshot(app, request).await?;
                // Whatever the handler made of the failed body, the client was too slow.
                if expired.load(Ordering::Acquire) {
                    let message = format!(
                        "the request body was not received within {} s (CINDER_HTTP_BODY_TIMEOUT_SECONDS); nothing of it was stored",
                        timeouts.body.as_secs()
                    );
                    return Ok::<_, Infallible>(
                        (StatusCode::REQUEST_TIMEOUT, Json(json!({ "error": message }))).into_response(),
                    );
                }
                Ok(response)
            }
        });
        let connection = graceful.watch(builder.serve_connection(TokioIo::new(io), service));
        tokio::spawn(async move {
            if let Err(error) = connection.await {
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
