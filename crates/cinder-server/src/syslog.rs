//! Syslog over the network (RFC 5424 and RFC 3164; UDP datagrams, and TCP streams framed by
//! octet counting or newlines, RFC 6587) on `CINDER_SYSLOG_PORT`, into the source named by
//! `CINDER_SYSLOG_SOURCE` (created when missing). Messages take the same way in as an HTTP
//! request's events ([`crate::ingest::accept`]).
//!
//! Syslog has no acknowledgements and no credentials: the port is off unless configured, and
//! binds `PHX_HTTP_IP`'s address. Over TCP, a message read is stored: while ingest refuses
//! (429/503/507) the connection is not read further and the batch is retried, so the sender's
//! own buffering holds the rest. Over UDP, a batch still refused after a few tries is dropped,
//! counted in `cinder_ingest_refused_events_total` and logged. A message that is not syslog is kept,
//! whole, as the event's message.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use cinder_decode::decode::parse_syslog_message;
use cinder_decode::framing::{SyslogFramer, MAX_MESSAGE_BYTES};
use serde_json::{json, Map, Value};
use tokio::io::AsyncReadExt;
use tokio::net::{TcpListener, TcpStream, UdpSocket};
use tokio::sync::mpsc;

use crate::catalog::SourceHandle;
use crate::error::ApiError;
use crate::state::AppState;

/// The most messages stored together.
const BATCH: usize = 1000;
/// How long UDP messages wait for more before they are stored.
const LINGER: Duration = Duration::from_millis(100);
/// Tries of a refused UDP batch before it is dropped.
const UDP_TRIES: usize = 5;
const RETRY: Duration = Duration::from_millis(500);

/// Binds the port on UDP and TCP and serves it, in the background.
pub async fn start(state: AppState, address: SocketAddr, source_name: &str) -> anyhow::Result<SocketAddr> {
    let source = match state.catalog.source_by_name(source_name) {
        Some(source) => source,
        None => crate::sources::create_named(&state, source_name)
            .await
            .map_err(|error| anyhow::anyhow!("cannot create the syslog source `{source_name}`: {error}"))?,
    };
    let tcp = TcpListener::bind(address)
        .await
        .with_context(|| format!("cannot listen for syslog on TCP {address} (CINDER_SYSLOG_PORT)"))?;
    let bound = tcp.local_addr()?;
    let udp = UdpSocket::bind(bound)
        .await
        .with_context(|| format!("cannot listen for syslog on UDP {bound} (CINDER_SYSLOG_PORT)"))?;
    tracing::info!(address = %bound, source = source_name, "syslog is listening on UDP and TCP");
    tokio::spawn(serve_tcp(state.clone(), source.clone(), tcp));
    tokio::spawn(serve_udp(state, source, udp));
    Ok(bound)
}

/// The event of one message: parsed when it is syslog, else the whole text as its message.
fn event(message: &[u8]) -> Map<String, Value> {
    let text = String::from_utf8_lossy(message);
    let text = text.trim_end_matches(['\r', '\n', '\0']);
    parse_syslog_message(text).unwrap_or_else(|| {
        let mut event = Map::new();
        event.insert("event_message".into(), Value::String(text.to_owned()));
        event.insert("metadata".into(), json!({"syslog_format": "unknown"}));
        event
    })
}

/// Whether a refusal may pass: the store is full, busy or down for now.
fn retryable(error: &ApiError) -> bool {
    matches!(
        error,
        ApiError::TooManyRequests(_) | ApiError::Unavailable(_) | ApiError::InsufficientStorage(_)
    )
}

async fn serve_tcp(state: AppState, source: Arc<SourceHandle>, listener: TcpListener) {
    loop {
        match listener.accept().await {
            Ok((stream, peer)) => {
                tokio::spawn(serve_connection(state.clone(), source.clone(), stream, peer));
            }
            Err(error) => {
                tracing::warn!(%error, "syslog: cannot accept a TCP connection");
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
        }
    }
}

async fn serve_connection(state: AppState, source: Arc<SourceHandle>, mut stream: TcpStream, peer: SocketAddr) {
    let mut framer = SyslogFramer::default();
    let mut buffer = vec![0; 64 * 1024];
    loop {
        let read = match stream.read(&mut buffer).await {
            Ok(0) => break,
            Ok(read) => read,
            Err(error) => {
                tracing::debug!(%peer, %error, "syslog: a TCP connection failed");
                break;
            }
        };
        let messages = match framer.push(&buffer[..read]) {
            Ok(messages) => messages,
            Err(error) => {
                tracing::warn!(%peer, %error, "syslog: closing a TCP connection that is not syslog");
                return;
            }
        };
        for chunk in messages.chunks(BATCH) {
            store_until_taken(&state, &source, chunk.iter().map(|message| event(message)).collect()).await;
        }
    }
    if let Some(last) = framer.finish() {
        store_until_taken(&state, &source, vec![event(&last)]).await;
    }
}

/// Stores a TCP batch, waiting (and so not reading the connection) while ingest refuses.
async fn store_until_taken(state: &AppState, source: &Arc<SourceHandle>, events: Vec<Map<String, Value>>) {
    store(state, source, events, usize::MAX).await;
}

/// Stores `events`, trying up to `tries` times while ingest refuses for now (429, 503, 507);
/// false when it still refused after them. Events refused for good (they do not fit the
/// source) are logged, not retried.
async fn store(state: &AppState, source: &Arc<SourceHandle>, events: Vec<Map<String, Value>>, tries: usize) -> bool {
    for _ in 0..tries {
        match crate::ingest::accept(state, source.clone(), events.clone()).await {
            Ok(()) => return true,
            Err(error) if retryable(&error) => tokio::time::sleep(RETRY).await,
            Err(error) => {
                tracing::warn!(%error, events = events.len(), "syslog: messages refused");
                return true; // refused for good: retrying cannot help
            }
        }
    }
    false
}

async fn serve_udp(state: AppState, source: Arc<SourceHandle>, socket: UdpSocket) {
    let (sender, mut receiver) = mpsc::channel::<Map<String, Value>>(BATCH * 10);
    let storer = {
        let (state, source) = (state.clone(), source.clone());
        async move {
            let mut batch = Vec::with_capacity(BATCH);
            while let Some(first) = receiver.recv().await {
                batch.push(first);
                let deadline = tokio::time::Instant::now() + LINGER;
                while batch.len() < BATCH {
                    match tokio::time::timeout_at(deadline, receiver.recv()).await {
                        Ok(Some(event)) => batch.push(event),
                        _ => break,
                    }
                }
                store_udp(&state, &source, std::mem::take(&mut batch)).await;
            }
        }
    };
    tokio::spawn(storer);
    let mut buffer = vec![0; MAX_MESSAGE_BYTES];
    loop {
        let (read, _) = match socket.recv_from(&mut buffer).await {
            Ok(received) => received,
            Err(error) => {
                tracing::debug!(%error, "syslog: a UDP read failed");
                continue;
            }
        };
        // A datagram is one message (some senders end it with a newline).
        if sender.try_send(event(&buffer[..read])).is_err() {
            dropped(&source, 1, "the queue of UDP messages is full");
        }
    }
}

async fn store_udp(state: &AppState, source: &Arc<SourceHandle>, events: Vec<Map<String, Value>>) {
    let count = events.len();
    if !store(state, source, events, UDP_TRIES).await {
        dropped(source, count, "ingest refused them for too long");
    }
}

fn dropped(source: &Arc<SourceHandle>, count: usize, why: &str) {
    let metrics = crate::metrics::metrics();
    let labels = [
        ("source", metrics.name("source", source.source.read().name.as_str())),
        ("code", "syslog_udp_dropped".to_owned()),
    ];
    metrics.refused_events.get_or_create(&labels).inc_by(count as u64);
    tracing::warn!(count, why, "syslog: UDP messages dropped");
}
