//! Certificates for TLS tests, made by `openssl`.

use std::path::Path;
use std::process::{Command, Stdio};

fn openssl(args: &[&str], dir: &Path) {
    let status = Command::new("openssl")
        .args(args)
        .current_dir(dir)
        .stderr(Stdio::null())
        .status()
        .expect("openssl is missing");
    assert!(status.success(), "openssl {args:?}");
}

/// A private CA and a certificate it signed for `localhost` (a CA certificate cannot serve as
/// one itself: rustls clients refuse it), as `(ca.pem, cert.pem, key.pem)` in `dir`.
pub fn certificate(dir: &Path) -> (String, String, String) {
    openssl(
        &[
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-days",
            "2",
            "-subj",
            "/CN=Cinder test CA",
        ]
        .into_iter()
        .chain(["-keyout", "ca.key", "-out", "ca.pem"])
        .collect::<Vec<_>>(),
        dir,
    );
    openssl(
        &[
            "req",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-subj",
            "/CN=localhost",
            "-keyout",
            "key.pem",
            "-out",
            "cert.csr",
        ],
        dir,
    );
    std::fs::write(
        dir.join("cert.ext"),
        "basicConstraints=critical,CA:FALSE\nsubjectAltName=DNS:localhost\nextendedKeyUsage=serverAuth\n",
    )
    .unwrap();
    openssl(
        &[
            "x509",
            "-req",
            "-in",
            "cert.csr",
            "-CA",
            "ca.pem",
            "-CAkey",
            "ca.key",
            "-CAcreateserial",
            "-days",
            "2",
            "-extfile",
            "cert.ext",
            "-out",
            "cert.pem",
        ],
        dir,
    );
    let path = |name: &str| dir.join(name).display().to_string();
    (path("ca.pem"), path("cert.pem"), path("key.pem"))
}
