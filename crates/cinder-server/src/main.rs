//! The `cinder` binary: parses configuration, sets up logging, runs the server.

use clap::Parser;

fn main() -> anyhow::Result<()> {
    if std::env::args().nth(1).as_deref() == Some("hash-password") {
        return hash_password();
    }
    cinder_server::config::reject_unknown_cinder_vars()?;
    let config = cinder_server::config::Config::parse();
    cinder_server::init_tracing(config.log_level);
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
    runtime.block_on(cinder_server::run(config))
}

/// `cinder hash-password`: reads a password from standard input (one line) and prints its
/// argon2id hash, for `CINDER_DASHBOARD_PASSWORD_HASH`.
fn hash_password() -> anyhow::Result<()> {
    use std::io::BufRead;
    let mut line = String::new();
    std::io::stdin().lock().read_line(&mut line)?;
    let password = line.trim_end_matches(['\r', '\n']);
    println!("{}", cinder_server::dashboard::session::hash_password(password)?);
    Ok(())
}
