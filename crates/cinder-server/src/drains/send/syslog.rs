//! Syslog receivers (rsyslog, syslog-ng, a SIEM): RFC 5424 messages over TCP with
//! octet-counting framing (RFC 6587), TLS when `tls: true` (verified against `ca_cert`, PEM,
//! else the public roots). Each event is one message whose MSG is the event as JSON, cut to
//! `max_message_bytes` (default 50,000), as Logflare sends them.

use std::sync::Arc;

use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, ServerName};
use serde_json::Value;
use tokio::io::{AsyncWrite, AsyncWriteExt};
use tokio::net::TcpStream;

use super::{level, micros, required, setting, Failure, Outgoing};
use crate::drains::Drain;

/// An open connection to the receiver.
pub struct Connection(Box<dyn AsyncWrite + Send + Unpin>);

/// The severity of a level's name (RFC 5424, 6.2.1); informational when unknown.
fn severity(level: Option<&str>) -> u8 {
    match level {
        Some("emergency" | "emerg" | "emer") => 0,
        Some("alert") => 1,
        Some("critical" | "crit" | "fatal") => 2,
        Some("error" | "err") => 3,
        Some("warning" | "warn") => 4,
        Some("notice") => 5,
        Some("debug" | "trace") => 7,
        _ => 6,
    }
}

/// A header field: printable ASCII (others become `_`), at most `length`, `-` when empty.
fn header(value: Option<&str>, length: usize) -> String {
    let value: String = value
        .unwrap_or_default()
        .chars()
        .map(|c| if ('\x21'..='\x7e').contains(&c) { c } else { '_' })
        .take(length)
        .collect();
    if value.is_empty() {
        "-".to_owned()
    } else {
        value
    }
}

/// One event as a framed RFC 5424 message (facility local0).
pub fn frame(event: &Value, structured_data: Option<&str>, max_message_bytes: usize) -> Vec<u8> {
    let text = |pointers: &[&str]| {
        pointers
            .iter()
            .find_map(|pointer| event.pointer(pointer).and_then(Value::as_str))
            .map(str::to_owned)
    };
    let pri = 16 * 8 + u32::from(severity(level(event).as_deref()));
    let time = chrono::DateTime::from_timestamp_micros(micros(event))
        .unwrap_or_default()
        .to_rfc3339_opts(chrono::SecondsFormat::Micros, true);
    let host = text(&["/metadata/host", "/resource/node", "/host"]);
    let app = text(&["/metadata/app_name", "/resource/name", "/app_name"]).unwrap_or_else(|| "cinder".into());
    let procid = text(&["/metadata/procid", "/procid"]);
    let head = format!(
        "<{pri}>1 {time} {} {} {} {} {} ",
        header(host.as_deref(), 255),
        header(Some(&app), 48),
        header(procid.as_deref(), 128),
        header(event["id"].as_str(), 32),
        structured_data.unwrap_or("-"),
    );
    let mut message = event.to_string();
    let allowed = max_message_bytes.saturating_sub(head.len());
    if message.len() > allowed {
        let mut cut = allowed;
        while !message.is_char_boundary(cut) {
            cut -= 1;
        }
        message.truncate(cut);
    }
    let length = head.len() + message.len();
    format!("{length} {head}{message}").into_bytes()
}

async fn connect(drain: &Drain) -> Result<Connection, Failure> {
    let host = required(drain, "host")?;
    let port = drain
        .config
        .get("port")
        .and_then(|port| {
            port.as_u64()
                .or_else(|| port.as_str().and_then(|text| text.parse().ok()))
        })
        .and_then(|port| u16::try_from(port).ok())
        .ok_or_else(|| Failure::Permanent("the drain's `port` is not a port number".into()))?;
    let stream = tokio::time::timeout(std::time::Duration::from_secs(10), TcpStream::connect((host, port)))
        .await
        .map_err(|_| Failure::Transient(format!("connecting to {host}:{port} timed out")))?
        .map_err(|error| Failure::Transient(format!("cannot connect to {host}:{port}: {error}")))?;
    stream.set_nodelay(true).ok();
    if drain.config.get("tls").and_then(Value::as_bool) != Some(true) {
        return Ok(Connection(Box::new(stream)));
    }
    let mut roots = rustls::RootCertStore::empty();
    match setting(drain, "ca_cert") {
        Some(pem) => {
            for certificate in CertificateDer::pem_slice_iter(pem.as_bytes()) {
                let certificate = certificate.map_err(|error| Failure::Permanent(format!("ca_cert: {error}")))?;
                roots
                    .add(certificate)
                    .map_err(|error| Failure::Permanent(format!("ca_cert: {error}")))?;
            }
        }
        None => roots.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned()),
    }
    let config = rustls::ClientConfig::builder_with_provider(Arc::new(rustls::crypto::ring::default_provider()))
        .with_safe_default_protocol_versions()
        .map_err(|error| Failure::Permanent(format!("TLS: {error}")))?
        .with_root_certificates(roots)
        .with_no_client_auth();
    let name = ServerName::try_from(host.to_owned()).map_err(|error| Failure::Permanent(format!("host: {error}")))?;
    let tls = tokio_rustls::TlsConnector::from(Arc::new(config))
        .connect(name, stream)
        .await
        .map_err(|error| Failure::Transient(format!("TLS with {host}:{port}: {error}")))?;
    Ok(Connection(Box::new(tls)))
}

pub async fn send(connection: &mut Option<Connection>, drain: &Drain, events: &[Outgoing]) -> Result<(), Failure> {
    if connection.is_none() {
        *connection = Some(connect(drain).await?);
    }
    let stream = &mut connection.as_mut().expect("connected above").0;
    let max = drain
        .config
        .get("max_message_bytes")
        .and_then(Value::as_u64)
        .unwrap_or(50_000) as usize;
    let structured_data = setting(drain, "structured_data");
    let mut bytes = Vec::new();
    for (_, event) in events {
        bytes.extend_from_slice(&frame(event, structured_data, max));
    }
    stream
        .write_all(&bytes)
        .await
        .map_err(|error| Failure::Transient(format!("writing to the syslog receiver: {error}")))?;
    stream
        .flush()
        .await
        .map_err(|error| Failure::Transient(format!("writing to the syslog receiver: {error}")))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn messages_are_rfc5424_and_octet_counted() {
        let event = json!({"id": "e1", "timestamp": 1_700_000_000_000_001i64, "event_message": "hi",
                           "metadata": {"level": "error", "host": "db 1"}});
        let framed = String::from_utf8(frame(&event, None, 50_000)).unwrap();
        let (length, message) = framed.split_once(' ').unwrap();
        assert_eq!(length.parse::<usize>().unwrap(), message.len());
        assert!(
            message.starts_with("<131>1 2023-11-14T22:13:20.000001Z db_1 cinder - e1 - {"),
            "{message}"
        );
        let json: Value = serde_json::from_str(
            message
                .split_once(" - {")
                .map(|(_, rest)| rest)
                .map(|rest| format!("{{{rest}"))
                .unwrap()
                .as_str(),
        )
        .unwrap();
        assert_eq!(json["event_message"], "hi");
        // Cut to the limit, on a character boundary.
        let long = json!({"id": "e2", "timestamp": 0, "event_message": "é".repeat(1000)});
        let text = String::from_utf8(frame(&long, Some("[x@1 a=\"b\"]"), 300)).unwrap();
        let (length, message) = text.split_once(' ').unwrap();
        assert_eq!(length.parse::<usize>().unwrap(), message.len());
        assert!(message.len() <= 300);
        assert!(message.contains(" [x@1 a=\"b\"] {"));
    }
}
