//! Amazon S3 (or any S3-compatible store, by `endpoint`): each batch becomes objects of
//! gzip'd NDJSON, one per source and hour, at
//! `[<prefix>/]<source token>/<yyyy>/<mm>/<dd>/<hh>/<first event's µs>-<id>.ndjson.gz`, PUT
//! with AWS Signature Version 4. Batches close after `batch_timeout` ms (default 60 s) or
//! 10,000 events.

use std::collections::BTreeMap;

use sha2::{Digest, Sha256};
use uuid::Uuid;

use super::{http, micros, required, setting, Failure, Outgoing};
use crate::drains::Drain;

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|byte| format!("{byte:02x}")).collect()
}

fn hmac(key: &[u8], message: &[u8]) -> [u8; 32] {
    const BLOCK: usize = 64;
    let mut block = [0u8; BLOCK];
    if key.len() > BLOCK {
        block[..32].copy_from_slice(&Sha256::digest(key));
    } else {
        block[..key.len()].copy_from_slice(key);
    }
    let pad = |byte: u8| block.iter().map(|key| key ^ byte).collect::<Vec<u8>>();
    let inner = Sha256::new().chain_update(pad(0x36)).chain_update(message).finalize();
    Sha256::new()
        .chain_update(pad(0x5c))
        .chain_update(inner)
        .finalize()
        .into()
}

/// Percent-encodes a path as SigV4 wants it: unreserved characters and `/` stay.
fn encode_path(path: &str) -> String {
    let mut encoded = String::with_capacity(path.len());
    for byte in path.bytes() {
        if byte.is_ascii_alphanumeric() || b"-_.~/".contains(&byte) {
            encoded.push(byte as char);
        } else {
            encoded.push_str(&format!("%{byte:02X}"));
        }
    }
    encoded
}

/// The credentials and place of a PUT.
pub struct Signing<'a> {
    pub access_key_id: &'a str,
    pub secret_access_key: &'a str,
    pub region: &'a str,
    /// `host[:port]`, as the request's Host header carries it.
    pub host: &'a str,
    /// The path, not yet encoded.
    pub path: &'a str,
}

/// The headers of a signed PUT of a body with SHA-256 `payload_hash` at `now`: `x-amz-date`,
/// `x-amz-content-sha256` and `authorization`.
pub fn sign_put(
    signing: &Signing<'_>,
    payload_hash: &str,
    now: chrono::DateTime<chrono::Utc>,
) -> Vec<(&'static str, String)> {
    let amz_date = now.format("%Y%m%dT%H%M%SZ").to_string();
    let date = now.format("%Y%m%d").to_string();
    let signed_headers = "host;x-amz-content-sha256;x-amz-date";
    let canonical = format!(
        "PUT\n{}\n\nhost:{}\nx-amz-content-sha256:{payload_hash}\nx-amz-date:{amz_date}\n\n{signed_headers}\n{payload_hash}",
        encode_path(signing.path),
        signing.host,
    );
    let scope = format!("{date}/{}/s3/aws4_request", signing.region);
    let to_sign = format!(
        "AWS4-HMAC-SHA256\n{amz_date}\n{scope}\n{}",
        hex(&Sha256::digest(canonical.as_bytes()))
    );
    let mut key = hmac(format!("AWS4{}", signing.secret_access_key).as_bytes(), date.as_bytes());
    for part in [signing.region, "s3", "aws4_request"] {
        key = hmac(&key, part.as_bytes());
    }
    let signature = hex(&hmac(&key, to_sign.as_bytes()));
    vec![
        ("x-amz-date", amz_date),
        ("x-amz-content-sha256", payload_hash.to_owned()),
        (
            "authorization",
            format!(
                "AWS4-HMAC-SHA256 Credential={}/{scope}, SignedHeaders={signed_headers}, Signature={signature}",
                signing.access_key_id
            ),
        ),
    ]
}

/// The object key of a source's events from one hour.
pub fn object_key(prefix: Option<&str>, source: &Uuid, first_micros: i64) -> String {
    let time = chrono::DateTime::from_timestamp_micros(first_micros).unwrap_or_default();
    let prefix = prefix
        .map(|prefix| format!("{}/", prefix.trim_matches('/')))
        .unwrap_or_default();
    format!(
        "{prefix}{source}/{}/{first_micros}-{}.ndjson.gz",
        time.format("%Y/%m/%d/%H"),
        Uuid::new_v4().simple()
    )
}

pub async fn send(client: &reqwest::Client, drain: &Drain, events: &[Outgoing]) -> Result<(), Failure> {
    let bucket = required(drain, "s3_bucket")?;
    let region = required(drain, "storage_region")?;
    // An `endpoint` (MinIO, moto, R2, ...) is addressed path-style; AWS virtual-hosted.
    let (base, path_prefix) = match setting(drain, "endpoint") {
        Some(endpoint) => (endpoint.trim_end_matches('/').to_owned(), format!("/{bucket}")),
        None => (format!("https://{bucket}.s3.{region}.amazonaws.com"), String::new()),
    };
    let url = reqwest::Url::parse(&base).map_err(|error| Failure::Permanent(format!("bad endpoint: {error}")))?;
    let host = match (url.host_str(), url.port()) {
        (Some(host), Some(port)) => format!("{host}:{port}"),
        (Some(host), None) => host.to_owned(),
        (None, _) => return Err(Failure::Permanent("the endpoint names no host".into())),
    };
    let mut objects: BTreeMap<(Uuid, i64), Vec<u8>> = BTreeMap::new();
    let mut firsts: BTreeMap<(Uuid, i64), i64> = BTreeMap::new();
    for (source, event) in events {
        let at = micros(event);
        let hour = at.div_euclid(3_600_000_000);
        let lines = objects.entry((*source, hour)).or_default();
        lines.extend_from_slice(event.to_string().as_bytes());
        lines.push(b'\n');
        let first = firsts.entry((*source, hour)).or_insert(at);
        *first = (*first).min(at);
    }
    for ((source, hour), lines) in objects {
        let key = object_key(setting(drain, "prefix"), &source, firsts[&(source, hour)]);
        let body = http::gzip(&lines);
        let path = format!("{path_prefix}/{key}");
        let signing = Signing {
            access_key_id: required(drain, "access_key_id")?,
            secret_access_key: required(drain, "secret_access_key")?,
            region,
            host: &host,
            path: &path,
        };
        let hash = hex(&Sha256::digest(&body));
        let mut request = client
            .put(format!("{base}{}", encode_path(&path)))
            .header("content-type", "application/x-ndjson")
            .header("content-encoding", "gzip");
        for (name, value) in sign_put(&signing, &hash, chrono::Utc::now()) {
            request = request.header(name, value);
        }
        http::send(request.body(body)).await?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// RFC 4231, test case 2.
    #[test]
    fn hmac_sha256() {
        assert_eq!(
            hex(&hmac(b"Jefe", b"what do ya want for nothing?")),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
    }

    /// The signature botocore (`S3SigV4Auth`, 1.44) computes for this PUT, with AWS's example
    /// keys, an empty body, at the same time: the reference the S3 servers check against.
    #[test]
    fn signature_v4_matches_botocore() {
        let now = chrono::DateTime::parse_from_rfc3339("2013-05-24T00:00:00Z")
            .unwrap()
            .to_utc();
        let headers = sign_put(
            &Signing {
                access_key_id: "AKIAIOSFODNN7EXAMPLE",
                secret_access_key: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
                region: "us-east-1",
                host: "examplebucket.s3.amazonaws.com",
                path: "/test$file.text",
            },
            // An empty body's.
            &hex(&Sha256::digest(b"")),
            now,
        );
        assert_eq!(headers[0], ("x-amz-date", "20130524T000000Z".to_owned()));
        let authorization = &headers[2].1;
        assert!(authorization.starts_with(
            "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request, SignedHeaders=host;x-amz-content-sha256;x-amz-date, Signature="
        ));
        assert_eq!(
            authorization.rsplit('=').next().unwrap(),
            "3f0f03faea1bccf0d7ffc0056b333ac575037fd490f982dffc1892fa73598174"
        );
        assert_eq!(encode_path("/test$file.text"), "/test%24file.text");
    }
}
