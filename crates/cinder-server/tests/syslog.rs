//! Syslog over UDP and TCP from a real, unmodified client: util-linux's `logger`, in RFC 5424
//! and RFC 3164, newline-framed and octet-counted, one message and a file of a thousand. The
//! messages arrive in the configured source with their header fields; a connection that sends
//! something else is closed without harm.

use std::io::Write;
use std::net::TcpListener;
use std::process::Command;
use std::time::{Duration, Instant};

use serde_json::Value;

mod common;
use common::{temp_dir, Server};

fn logger(port: u16, args: &[&str]) {
    let output = Command::new("logger")
        .args(["-n", "127.0.0.1", "-P", &port.to_string()])
        .args(args)
        .output()
        .expect("util-linux's logger runs");
    assert!(
        output.status.success(),
        "logger {args:?}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
}

async fn rows(server: &Server, sql: &str, expected: usize) -> Vec<Value> {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let rows = server.query(sql).await;
        let rows = rows.as_array().unwrap().clone();
        if rows.len() >= expected || Instant::now() > deadline {
            return rows;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

#[tokio::test]
async fn logger_sends_over_udp_and_tcp_in_both_formats() {
    let port = TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let dir = temp_dir("syslog");
    let server = Server::start_with(
        &dir,
        &[
            ("CINDER_SYSLOG_PORT", port.to_string().as_str()),
            ("CINDER_SYSLOG_SOURCE", "hosts"),
        ],
    )
    .await;

    logger(
        port,
        &[
            "--udp",
            "--rfc5424",
            "-t",
            "udp5424",
            "-p",
            "local0.err",
            "--sd-id",
            "origin@32473",
            "--sd-param",
            "ip=\"10.0.0.1\"",
            "udp 5424 message",
        ],
    );
    logger(
        port,
        &[
            "--udp",
            "--rfc3164",
            "-t",
            "udp3164",
            "-p",
            "user.warning",
            "udp 3164 message",
        ],
    );
    logger(
        port,
        &[
            "--tcp",
            "--rfc5424",
            "--octet-count",
            "-t",
            "tcpcounted",
            "-i",
            "tcp octet-counted message",
        ],
    );
    logger(port, &["--tcp", "--rfc3164", "-t", "tcpnewline", "tcp newline message"]);
    let file = dir.join("lines.txt");
    let mut lines = std::fs::File::create(&file).unwrap();
    for index in 0..1000 {
        writeln!(lines, "line {index} of a file").unwrap();
    }
    drop(lines);
    logger(
        port,
        &["--tcp", "--rfc5424", "-t", "bulk", "-f", file.to_str().unwrap()],
    );

    let sql = "select event_message as message, metadata.appname as app, metadata.severity as severity, \
               metadata.hostname as host, metadata.sd as sd from hosts \
               where timestamp > '1900-01-01' and metadata.appname != 'bulk' order by message";
    let found = rows(&server, sql, 4).await;
    let by_app = |app: &str| -> Value {
        found
            .iter()
            .find(|row| row["app"] == app)
            .unwrap_or_else(|| panic!("no message from {app}: {found:?}"))
            .clone()
    };
    let udp5424 = by_app("udp5424");
    assert_eq!(udp5424["message"], "udp 5424 message");
    assert_eq!(udp5424["severity"], "error");
    assert!(udp5424["sd"].as_str().unwrap().contains("ip=\"10.0.0.1\""), "{udp5424}");
    assert!(!udp5424["host"].as_str().unwrap_or_default().is_empty(), "{udp5424}");
    let udp3164 = by_app("udp3164");
    assert_eq!(udp3164["message"], "udp 3164 message");
    assert_eq!(udp3164["severity"], "warning");
    assert_eq!(by_app("tcpcounted")["message"], "tcp octet-counted message");
    assert_eq!(by_app("tcpnewline")["message"], "tcp newline message");
    assert_eq!(found.len(), 4, "{found:?}");

    let bulk = rows(
        &server,
        "select event_message as message from hosts where timestamp > '1900-01-01' and metadata.appname = 'bulk'",
        1000,
    )
    .await;
    assert_eq!(bulk.len(), 1000);
    assert!(bulk.iter().any(|row| row["message"] == "line 999 of a file"));

    // Something that is not syslog over TCP: the connection is closed, the server goes on.
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut stream = tokio::net::TcpStream::connect(("127.0.0.1", port)).await.unwrap();
    stream.write_all(b"12x not a frame").await.unwrap();
    let mut rest = Vec::new();
    let closed = tokio::time::timeout(Duration::from_secs(5), stream.read_to_end(&mut rest)).await;
    assert!(closed.is_ok(), "the connection was not closed");
    logger(port, &["--tcp", "--rfc5424", "-t", "after", "still listening"]);
    let after = rows(
        &server,
        "select event_message as message from hosts where timestamp > '1900-01-01' and metadata.appname = 'after'",
        1,
    )
    .await;
    assert_eq!(after.len(), 1);
    std::fs::remove_dir_all(&dir).ok();
}

/// rsyslog forwarding to Cinder as its documentation configures it: octet-counted RFC 5424
/// over TCP. Messages reach rsyslog through its own socket, sent there by `logger`.
#[tokio::test]
#[ignore = "needs rsyslog: scripts/test.sh installs it"]
async fn rsyslog_forwards_over_tcp() {
    let port = TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let dir = temp_dir("rsyslog");
    let server = Server::start_with(&dir, &[("CINDER_SYSLOG_PORT", port.to_string().as_str())]).await;
    let socket = dir.join("log.sock");
    let config = dir.join("rsyslog.conf");
    std::fs::write(
        &config,
        format!(
            r#"global(workDirectory="{dir}")
module(load="imuxsock" SysSock.Use="off")
input(type="imuxsock" Socket="{socket}" CreatePath="on")
*.* action(type="omfwd" target="127.0.0.1" port="{port}" protocol="tcp"
           template="RSYSLOG_SyslogProtocol23Format" TCP_Framing="octet-counted")
"#,
            dir = dir.display(),
            socket = socket.display(),
        ),
    )
    .unwrap();
    let mut rsyslog = Command::new("rsyslogd")
        .arg("-n")
        .arg("-f")
        .arg(&config)
        .arg("-i")
        .arg(dir.join("rsyslogd.pid"))
        .spawn()
        .expect("rsyslogd starts");
    let deadline = Instant::now() + Duration::from_secs(10);
    while !socket.exists() {
        assert!(Instant::now() < deadline, "rsyslogd did not open its socket");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    for index in 0..100 {
        let status = Command::new("logger")
            .arg("-u")
            .arg(&socket)
            .args([
                "-t",
                "viarsyslog",
                "-p",
                "daemon.info",
                &format!("through rsyslog {index}"),
            ])
            .status()
            .unwrap();
        assert!(status.success());
    }
    let found = rows(
        &server,
        "select event_message as message, metadata.severity as severity from syslog \
         where timestamp > '1900-01-01' and metadata.appname = 'viarsyslog'",
        100,
    )
    .await;
    rsyslog.kill().ok();
    rsyslog.wait().ok();
    assert_eq!(found.len(), 100, "{found:?}");
    assert!(found.iter().all(|row| row["severity"] == "info"));
    assert!(
        found.iter().any(|row| row["message"] == "through rsyslog 99"),
        "{:?}",
        &found[..3]
    );
    std::fs::remove_dir_all(&dir).ok();
}
