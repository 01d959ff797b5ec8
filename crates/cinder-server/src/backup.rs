//! The data directory's format version, and consistent backups of it while Cinder runs.
//!
//! A backup is a data directory of its own, made inside this one (`backups/<time>/`): the
//! embedded database copied while nothing writes to it, the write-ahead log as it stood at that
//! moment (events acknowledged and not yet stored are replayed from it), and the small files
//! beside them (the generated encryption key and token, the format). Restoring is starting
//! Cinder on it. `cinder backup <dir>` asks the running server for one and moves it to `<dir>`.

use std::fs::{self, File};
use std::io;
use std::path::{Path, PathBuf};

use anyhow::Context;
use serde::Serialize;

use crate::error::ApiError;
use crate::state::AppState;

/// The format of data directories this Cinder writes, and the newest it reads.
pub const FORMAT: u32 = 1;
/// The file in the data directory that names its format.
const FORMAT_FILE: &str = "FORMAT";
/// Where backups are made, inside the data directory.
pub const BACKUPS_DIR: &str = "backups";
/// The write-ahead log's directory.
const WAL_DIR: &str = "wal";
/// The description of a backup, inside it.
const MANIFEST: &str = "BACKUP.json";

/// Reads the data directory's format, writing this Cinder's into a new directory (or one from
/// before formats were written, which is format 1). Refuses a directory written by a newer
/// Cinder, which this one may misread.
pub fn check_format(dir: &Path) -> anyhow::Result<()> {
    let path = dir.join(FORMAT_FILE);
    match fs::read_to_string(&path) {
        Ok(text) => {
            let found: u32 = text
                .trim()
                .strip_prefix("cinder-data ")
                .and_then(|number| number.parse().ok())
                .with_context(|| format!("`{}` is not a Cinder format file: {text:?}", path.display()))?;
            anyhow::ensure!(
                found <= FORMAT,
                "the data directory `{}` is in format {found}, written by a newer Cinder; this one reads formats up to {FORMAT}: run the newer version, or restore a backup made by this one",
                dir.display()
            );
            Ok(())
        }
        Err(error) if error.kind() == io::ErrorKind::NotFound => {
            write_synced(&path, format!("cinder-data {FORMAT}\n").as_bytes())
                .with_context(|| format!("cannot write `{}`", path.display()))
        }
        Err(error) => Err(error).with_context(|| format!("cannot read `{}`", path.display())),
    }
}

fn write_synced(path: &Path, bytes: &[u8]) -> io::Result<()> {
    fs::write(path, bytes)?;
    File::open(path)?.sync_all()
}

/// A backup made.
#[derive(Debug, Serialize)]
pub struct Backup {
    /// Its directory: a data directory of its own.
    pub path: PathBuf,
    /// Bytes copied.
    pub bytes: u64,
    /// RFC 3339.
    pub created_at: String,
}

#[derive(Serialize)]
struct Manifest<'a> {
    created_at: &'a str,
    cinder_version: &'a str,
    format: u32,
    bytes: u64,
}

/// Makes a backup of the embedded store in `<data dir>/backups/<time>/`, while ingest and
/// queries go on. Refused when events and catalog are in PostgreSQL (`pg_dump` backs those up).
pub async fn create(state: &AppState) -> Result<Backup, ApiError> {
    let Some(embedded) = state.embedded.clone() else {
        return Err(ApiError::BadRequest(
            "events and the catalog are in PostgreSQL: back them up with pg_dump (Cinder's own tables are `_cinder_*` beside the event tables)".into(),
        ));
    };
    let data_dir = state.config.data_dir.clone();
    let created_at = crate::now_rfc3339();
    let name = format!(
        "{}-{}",
        chrono::Utc::now().format("%Y%m%dT%H%M%S%.3fZ"),
        &uuid::Uuid::new_v4().simple().to_string()[..6]
    );
    let path = data_dir.join(BACKUPS_DIR).join(name);
    let internal = |error: io::Error| ApiError::Internal(format!("backup into `{}`: {error}", path.display()));
    fs::create_dir_all(path.join(WAL_DIR)).map_err(internal)?;
    let (source, into) = (data_dir.clone(), path.clone());
    let copied = embedded
        .snapshot(path.clone(), move || copy_beside(&source, &into))
        .await;
    let bytes = match copied {
        Ok(bytes) => bytes,
        Err(error) => {
            let _ = fs::remove_dir_all(&path);
            return Err(error.into());
        }
    };
    let manifest = Manifest {
        created_at: &created_at,
        cinder_version: env!("CARGO_PKG_VERSION"),
        format: FORMAT,
        bytes,
    };
    let manifest = serde_json::to_vec_pretty(&manifest).expect("a manifest serialises");
    write_synced(&path.join(MANIFEST), &manifest).map_err(internal)?;
    sync_tree(&path).map_err(internal)?;
    tracing::info!(path = %path.display(), bytes, "backup made");
    Ok(Backup {
        path,
        bytes,
        created_at,
    })
}

/// Copies the write-ahead log's segments and the data directory's small files into `into`.
/// A segment deleted meanwhile (stored and trimmed) is not needed and is skipped.
fn copy_beside(data_dir: &Path, into: &Path) -> io::Result<u64> {
    let mut bytes = 0;
    let mut copy = |from: &Path, to: &Path| -> io::Result<()> {
        match fs::copy(from, to) {
            Ok(copied) => {
                bytes += copied;
                Ok(())
            }
            Err(error) if error.kind() == io::ErrorKind::NotFound => Ok(()),
            Err(error) => Err(io::Error::new(error.kind(), format!("`{}`: {error}", from.display()))),
        }
    };
    for entry in fs::read_dir(data_dir.join(WAL_DIR))? {
        let entry = entry?;
        if entry.path().extension().is_some_and(|extension| extension == "wal") {
            copy(&entry.path(), &into.join(WAL_DIR).join(entry.file_name()))?;
        }
    }
    // The generated key and token, the format: every small file at the top, not the database
    // (copied already) and not DuckDB's temporary files.
    for entry in fs::read_dir(data_dir)? {
        let entry = entry?;
        let name = entry.file_name();
        let name_text = name.to_string_lossy();
        if entry.file_type()?.is_file() && !name_text.starts_with("cinder.duckdb") && !name_text.ends_with(".tmp") {
            copy(&entry.path(), &into.join(&name))?;
        }
    }
    Ok(bytes)
}

/// Flushes every file of a backup and its directories to disk.
fn sync_tree(dir: &Path) -> io::Result<()> {
    for entry in fs::read_dir(dir)? {
        let entry = entry?;
        if entry.file_type()?.is_dir() {
            sync_tree(&entry.path())?;
        } else {
            File::open(entry.path())?.sync_all()?;
        }
    }
    File::open(dir)?.sync_all()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_are_written_read_and_newer_ones_refused() {
        let dir = std::env::temp_dir().join(format!("cinder-format-{}", uuid::Uuid::new_v4()));
        fs::create_dir_all(&dir).unwrap();
        check_format(&dir).unwrap();
        assert_eq!(fs::read_to_string(dir.join(FORMAT_FILE)).unwrap(), "cinder-data 1\n");
        check_format(&dir).unwrap();
        fs::write(dir.join(FORMAT_FILE), "cinder-data 2\n").unwrap();
        let error = check_format(&dir).unwrap_err().to_string();
        assert!(error.contains("format 2, written by a newer Cinder"), "{error}");
        fs::write(dir.join(FORMAT_FILE), "hello\n").unwrap();
        let error = check_format(&dir).unwrap_err().to_string();
        assert!(error.contains("not a Cinder format file"), "{error}");
        fs::remove_dir_all(dir).unwrap();
    }
}
