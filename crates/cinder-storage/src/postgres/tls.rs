//! TLS to PostgreSQL, with libpq's `sslmode` meanings.
//!
//! tokio-postgres knows `disable`, `prefer` and `require` and refuses the two modes that verify
//! the server (`verify-ca`, `verify-full`), which is what managed databases ask for; it also
//! ignores `sslrootcert`. [`parse`] takes both out of the connection string first, and the
//! connector it returns checks the server's certificate as libpq would:
//!
//! | `sslmode` | encrypted | certificate checked |
//! |---|---|---|
//! | `disable` | no | – |
//! | `allow`, `prefer` (the default) | when the server offers it | no (as `verify-ca` with `sslrootcert`) |
//! | `require` | yes | no (as `verify-ca` with `sslrootcert`) |
//! | `verify-ca` | yes | chain to `sslrootcert` (or the public roots) |
//! | `verify-full` | yes | chain, and the host name |

use std::path::{Path, PathBuf};
use std::sync::Arc;

use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::client::WebPkiServerVerifier;
use rustls::crypto::{verify_tls12_signature, verify_tls13_signature, CryptoProvider};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{CertificateError, ClientConfig, DigitallySignedStruct, RootCertStore, SignatureScheme};
use tokio_postgres_rustls::MakeRustlsConnect;

/// How a connection is secured (libpq's `sslmode`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SslMode {
    /// Never encrypted.
    Disable,
    /// Encrypted when the server offers it (libpq's `allow` and `prefer`).
    Prefer,
    /// Always encrypted; the certificate is not checked unless a root certificate is given.
    Require,
    /// Encrypted, and the certificate chains to a trusted root.
    VerifyCa,
    /// As `VerifyCa`, and the certificate names the host.
    VerifyFull,
}

impl SslMode {
    /// Parses libpq's names.
    pub fn parse(text: &str) -> Result<Self, String> {
        match text {
            "disable" => Ok(SslMode::Disable),
            "allow" | "prefer" => Ok(SslMode::Prefer),
            "require" => Ok(SslMode::Require),
            "verify-ca" => Ok(SslMode::VerifyCa),
            "verify-full" => Ok(SslMode::VerifyFull),
            other => Err(format!(
                "invalid sslmode `{other}`: use disable, allow, prefer, require, verify-ca or verify-full"
            )),
        }
    }

    fn negotiation(self) -> tokio_postgres::config::SslMode {
        match self {
            SslMode::Disable => tokio_postgres::config::SslMode::Disable,
            SslMode::Prefer => tokio_postgres::config::SslMode::Prefer,
            SslMode::Require | SslMode::VerifyCa | SslMode::VerifyFull => tokio_postgres::config::SslMode::Require,
        }
    }
}

/// Connection settings and the TLS connector that goes with them.
pub struct Connection {
    /// Host, user, database... with the TLS negotiation set.
    pub config: tokio_postgres::Config,
    /// Checks the server as the `sslmode` says.
    pub tls: MakeRustlsConnect,
}

/// Parses a libpq connection string, a `postgres://` URL or `key=value` pairs, with
/// `sslmode` and `sslrootcert` (the latter a PEM file, or `system` for the public roots).
pub fn parse(text: &str) -> Result<Connection, String> {
    let (rest, mode, root) = take_tls_settings(text)?;
    let config: tokio_postgres::Config = rest.parse().map_err(|error| format!("invalid Postgres URL: {error}"))?;
    with_mode(config, mode.unwrap_or(SslMode::Prefer), root.as_deref())
}

/// Secures `config` as `mode` says, trusting the certificates in `root_cert` (PEM) if given.
pub fn with_mode(
    mut config: tokio_postgres::Config,
    mode: SslMode,
    root_cert: Option<&Path>,
) -> Result<Connection, String> {
    config.ssl_mode(mode.negotiation());
    Ok(Connection {
        config,
        tls: connector(mode, root_cert)?,
    })
}

/// Removes `sslmode` and `sslrootcert` from a connection string, returning them apart.
fn take_tls_settings(text: &str) -> Result<(String, Option<SslMode>, Option<PathBuf>), String> {
    let (mut mode, mut root) = (None, None);
    let mut take = |key: &str, value: String| -> Result<bool, String> {
        match key {
            "sslmode" => mode = Some(SslMode::parse(&value)?),
            "sslrootcert" => root = Some(PathBuf::from(value)),
            _ => return Ok(false),
        }
        Ok(true)
    };
    let rest = if text.starts_with("postgres://") || text.starts_with("postgresql://") {
        match text.split_once('?') {
            None => text.to_owned(),
            Some((base, query)) => {
                let mut kept = Vec::new();
                for pair in query.split('&').filter(|pair| !pair.is_empty()) {
                    let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
                    if !take(key, percent_decode(value)?)? {
                        kept.push(pair);
                    }
                }
                if kept.is_empty() {
                    base.to_owned()
                } else {
                    format!("{base}?{}", kept.join("&"))
                }
            }
        }
    } else {
        // key=value pairs; values with spaces are quoted, and kept as they are.
        let mut kept = Vec::new();
        for pair in text.split_whitespace() {
            match pair.split_once('=') {
                Some((key, value)) if !value.starts_with('\'') && take(key, value.to_owned())? => {}
                _ => kept.push(pair),
            }
        }
        kept.join(" ")
    };
    Ok((rest, mode, root))
}

fn percent_decode(text: &str) -> Result<String, String> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = text
                .get(i + 1..i + 3)
                .and_then(|hex| u8::from_str_radix(hex, 16).ok())
                .ok_or_else(|| format!("invalid percent-encoding in `{text}`"))?;
            out.push(hex);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).map_err(|_| format!("`{text}` is not UTF-8"))
}

fn provider() -> Arc<CryptoProvider> {
    Arc::new(rustls::crypto::ring::default_provider())
}

/// The trusted roots: the PEM file's certificates, or the public (Mozilla) roots.
fn roots(root_cert: Option<&Path>) -> Result<RootCertStore, String> {
    let mut store = RootCertStore::empty();
    match root_cert.filter(|path| *path != Path::new("system")) {
        Some(path) => {
            let certificates = CertificateDer::pem_file_iter(path)
                .and_then(|certificates| certificates.collect::<Result<Vec<_>, _>>())
                .map_err(|error| format!("cannot read sslrootcert `{}`: {error}", path.display()))?;
            if certificates.is_empty() {
                return Err(format!("sslrootcert `{}` holds no certificate", path.display()));
            }
            for certificate in certificates {
                store
                    .add(certificate)
                    .map_err(|error| format!("sslrootcert `{}`: {error}", path.display()))?;
            }
        }
        None => store.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned()),
    }
    Ok(store)
}

/// The connector for `mode`.
pub fn connector(mode: SslMode, root_cert: Option<&Path>) -> Result<MakeRustlsConnect, String> {
    let provider = provider();
    let builder = ClientConfig::builder_with_provider(provider.clone())
        .with_safe_default_protocol_versions()
        .map_err(|error| error.to_string())?;
    let verifying = |store: RootCertStore| {
        WebPkiServerVerifier::builder_with_provider(Arc::new(store), provider.clone())
            .build()
            .map_err(|error| error.to_string())
    };
    let verifier: Arc<dyn ServerCertVerifier> = match (mode, root_cert) {
        (SslMode::VerifyFull, _) => verifying(roots(root_cert)?)?,
        (SslMode::VerifyCa, _) | (SslMode::Prefer | SslMode::Require, Some(_)) => Arc::new(ChainOnly {
            inner: verifying(roots(root_cert)?)?,
        }),
        (SslMode::Disable, _) | (SslMode::Prefer | SslMode::Require, None) => Arc::new(Unverified { provider }),
    };
    let config = builder
        .dangerous()
        .with_custom_certificate_verifier(verifier)
        .with_no_client_auth();
    Ok(MakeRustlsConnect::new(config))
}

/// `verify-ca`: the chain is checked, the name is not.
#[derive(Debug)]
struct ChainOnly {
    inner: Arc<WebPkiServerVerifier>,
}

impl ServerCertVerifier for ChainOnly {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        ocsp_response: &[u8],
        now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        match self
            .inner
            .verify_server_cert(end_entity, intermediates, server_name, ocsp_response, now)
        {
            Err(rustls::Error::InvalidCertificate(
                CertificateError::NotValidForName | CertificateError::NotValidForNameContext { .. },
            )) => Ok(ServerCertVerified::assertion()),
            other => other,
        }
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.inner.verify_tls12_signature(message, cert, dss)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.inner.verify_tls13_signature(message, cert, dss)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.inner.supported_verify_schemes()
    }
}

/// `require` and `prefer` without a root certificate: encrypted, not authenticated (libpq's
/// behaviour). The handshake's signatures are still checked against the certificate it shows.
#[derive(Debug)]
struct Unverified {
    provider: Arc<CryptoProvider>,
}

impl ServerCertVerifier for Unverified {
    fn verify_server_cert(
        &self,
        _end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        verify_tls12_signature(message, cert, dss, &self.provider.signature_verification_algorithms)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        verify_tls13_signature(message, cert, dss, &self.provider.signature_verification_algorithms)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.provider.signature_verification_algorithms.supported_schemes()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tls_settings_are_taken_out_of_urls_and_pairs() {
        let (rest, mode, root) = take_tls_settings(
            "postgresql://u:p@db:5432/x?sslmode=verify-full&application_name=a&sslrootcert=%2Fca.pem",
        )
        .unwrap();
        assert_eq!(rest, "postgresql://u:p@db:5432/x?application_name=a");
        assert_eq!(mode, Some(SslMode::VerifyFull));
        assert_eq!(root.as_deref(), Some(Path::new("/ca.pem")));
        let (rest, mode, root) = take_tls_settings("postgres://db/x?sslmode=require").unwrap();
        assert_eq!(
            (rest.as_str(), mode, root),
            ("postgres://db/x", Some(SslMode::Require), None)
        );
        let (rest, mode, _) = take_tls_settings("host=db user=u sslmode=verify-ca dbname=x").unwrap();
        assert_eq!(
            (rest.as_str(), mode),
            ("host=db user=u dbname=x", Some(SslMode::VerifyCa))
        );
        assert!(take_tls_settings("postgres://db/x?sslmode=sometimes")
            .unwrap_err()
            .contains("invalid sslmode `sometimes`"));
        assert!(take_tls_settings("postgres://db/x?sslrootcert=%zz").is_err());
    }

    #[test]
    fn a_missing_root_certificate_is_named() {
        let error = connector(SslMode::VerifyFull, Some(Path::new("/nonexistent/ca.pem")))
            .err()
            .unwrap();
        assert!(error.contains("/nonexistent/ca.pem"), "{error}");
        assert!(connector(SslMode::Require, None).is_ok());
        assert!(connector(SslMode::VerifyFull, None).is_ok());
    }
}
