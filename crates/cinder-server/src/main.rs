//! The `cinder` binary: parses configuration, sets up logging, runs the server.

use clap::Parser;

/// jemalloc, for Cinder and, through the unprefixed `malloc` it exports, for the embedded engine
/// too: parsed events are many small allocations freed from other threads, where glibc's
/// allocator spent a quarter of ingest's time (a million Supabase events were stored 1.2-1.35x
/// faster with jemalloc, in less peak memory).
#[global_allocator]
static ALLOCATOR: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;

/// jemalloc's options, read before `main` (`MALLOC_CONF` in the environment still overrides
/// them). Memory freed is given back to the system within seconds by a background thread, even
/// when the server is idle (without it, only an allocation does that, so an idle server never
/// does), and by `MADV_DONTNEED` rather than `MADV_FREE`, so the RSS that containers are charged
/// for drops too. After a 20 s burst of `bench/ingest/wrk.sh`, RSS 30 s later was 75 MB with
/// these and the engine's idle trim, 390-580 MB without either.
#[export_name = "malloc_conf"]
static MALLOC_CONF: MallocConf = MallocConf(c"background_thread:true,muzzy_decay_ms:0".as_ptr());

#[repr(transparent)]
struct MallocConf(*const std::ffi::c_char);

// SAFETY: the pointer is to a string literal, never written.
unsafe impl Sync for MallocConf {}

fn main() -> anyhow::Result<()> {
    match std::env::args().nth(1).as_deref() {
        Some("hash-password") => return hash_password(),
        Some("backup") => return backup(std::env::args().nth(2)),
        _ => {}
    }
    cinder_server::config::reject_unknown_cinder_vars()?;
    let config = cinder_server::config::Config::parse();
    cinder_server::init_tracing(config.log_level);
    cinder_server::listener::raise_open_files_limit();
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

/// `cinder backup <dir>`: asks the Cinder running here (`PHX_HTTP_PORT`, with
/// `LOGFLARE_PRIVATE_ACCESS_TOKEN` or the token generated in `CINDER_DATA_DIR`) for a backup
/// and moves it to `<dir>`, a data directory of its own: start Cinder on it to restore.
fn backup(target: Option<String>) -> anyhow::Result<()> {
    use anyhow::Context;
    let target = std::path::PathBuf::from(target.context("usage: cinder backup <dir>")?);
    anyhow::ensure!(
        !target.exists(),
        "`{}` exists already: name a new directory",
        target.display()
    );
    let port = std::env::var("PHX_HTTP_PORT").unwrap_or_else(|_| "4000".to_owned());
    let token = match std::env::var("LOGFLARE_PRIVATE_ACCESS_TOKEN") {
        Ok(token) if !token.is_empty() => token,
        _ => {
            let data_dir = std::env::var("CINDER_DATA_DIR").unwrap_or_else(|_| "./data".to_owned());
            let path = std::path::Path::new(&data_dir).join("private-access-token");
            std::fs::read_to_string(&path)
                .with_context(|| {
                    format!(
                        "set LOGFLARE_PRIVATE_ACCESS_TOKEN, or CINDER_DATA_DIR to find `{}`",
                        path.display()
                    )
                })?
                .trim()
                .to_owned()
        }
    };
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
    let made: serde_json::Value = runtime.block_on(async {
        let response = reqwest::Client::new()
            .post(format!("http://127.0.0.1:{port}/api/backups"))
            .bearer_auth(&token)
            .send()
            .await
            .with_context(|| format!("cannot reach Cinder on port {port} (PHX_HTTP_PORT)"))?;
        let status = response.status();
        let body: serde_json::Value = response.json().await.unwrap_or_default();
        anyhow::ensure!(status.is_success(), "Cinder answered {status}: {body}");
        Ok(body)
    })?;
    let made_at = std::path::PathBuf::from(made["path"].as_str().context("no path in Cinder's answer")?);
    if std::fs::rename(&made_at, &target).is_err() {
        // Another filesystem: copy, then remove the original.
        copy_tree(&made_at, &target).with_context(|| format!("cannot copy the backup to `{}`", target.display()))?;
        std::fs::remove_dir_all(&made_at)?;
    }
    println!(
        "backed up {} bytes into {}; to restore, start Cinder with CINDER_DATA_DIR={}",
        made["bytes"],
        target.display(),
        target.display()
    );
    Ok(())
}

fn copy_tree(from: &std::path::Path, to: &std::path::Path) -> std::io::Result<()> {
    std::fs::create_dir_all(to)?;
    for entry in std::fs::read_dir(from)? {
        let entry = entry?;
        let destination = to.join(entry.file_name());
        if entry.file_type()?.is_dir() {
            copy_tree(&entry.path(), &destination)?;
        } else {
            std::fs::copy(entry.path(), &destination)?;
            std::fs::File::open(&destination)?.sync_all()?;
        }
    }
    std::fs::File::open(to)?.sync_all()
}
