//! Cinder's write-ahead log: what makes a 200 mean "durable".
//!
//! Requests hand their encoded events to one writer thread. The thread takes every append
//! waiting at that moment, writes them with one `write`, calls `fdatasync` once for the group
//! (group commit), then, in log order, runs each append's `on_durable` hook and answers it.
//! The log is a folder of segment files named by their first position; each record is
//! `[payload length u32][crc32 u32][position u64][payload]`, little-endian, the checksum
//! covering position and payload. At start-up [`Wal::open`] reads every record back,
//! truncating a torn tail; [`Wal::trim`] deletes segments the backend has stored.

use std::fs::{self, File, OpenOptions};
use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use parking_lot::Mutex;
use tokio::sync::{mpsc, oneshot};

/// A segment is closed and a new one started past this size.
const SEGMENT_BYTES: u64 = 64 * 1024 * 1024;
/// One group commit writes at most about this much.
const GROUP_BYTES: usize = 16 * 1024 * 1024;
const HEADER_BYTES: usize = 16;

/// Called with the record's position once it is on disk, before the append is answered.
pub type OnDurable = Box<dyn FnOnce(u64) + Send>;

struct Append {
    payload: Vec<u8>,
    on_durable: OnDurable,
    reply: oneshot::Sender<io::Result<u64>>,
}

/// A record read back at start-up.
#[derive(Debug)]
pub struct Record {
    /// Its position.
    pub position: u64,
    /// What was appended.
    pub payload: Vec<u8>,
}

/// The write-ahead log.
#[derive(Clone)]
pub struct Wal {
    sender: mpsc::Sender<Append>,
    segments: Arc<Mutex<Vec<Segment>>>,
}

#[derive(Debug, Clone)]
struct Segment {
    first: u64,
    path: PathBuf,
}

fn segment_path(dir: &Path, first: u64) -> PathBuf {
    dir.join(format!("{first:020}.wal"))
}

impl Wal {
    /// Opens the log in `dir`, returning every intact record for replay.
    pub fn open(dir: &Path) -> io::Result<(Self, Vec<Record>)> {
        fs::create_dir_all(dir)?;
        let mut segments = Vec::new();
        for entry in fs::read_dir(dir)? {
            let path = entry?.path();
            let first = path
                .file_name()
                .and_then(|name| name.to_str())
                .and_then(|name| name.strip_suffix(".wal"))
                .and_then(|stem| stem.parse::<u64>().ok());
            if let Some(first) = first {
                segments.push(Segment { first, path });
            }
        }
        segments.sort_by_key(|segment| segment.first);

        let mut records = Vec::new();
        let mut next = 1;
        let mut intact = segments.len();
        for (index, segment) in segments.iter().enumerate() {
            let (mut read, clean) = read_segment(&segment.path)?;
            next = read
                .last()
                .map_or(next.max(segment.first), |record| record.position + 1);
            records.append(&mut read);
            if !clean {
                intact = index + 1;
                break;
            }
        }
        for stale in segments.drain(intact..).skip(1) {
            tracing::error!(segment = %stale.path.display(), "write-ahead log segment after a damaged one; moving it aside");
            fs::rename(&stale.path, stale.path.with_extension("damaged"))?;
        }

        let active = match segments.last() {
            Some(segment) => segment.clone(),
            None => {
                let segment = Segment {
                    first: next,
                    path: segment_path(dir, next),
                };
                File::create(&segment.path)?;
                sync_dir(dir)?;
                segments.push(segment.clone());
                segment
            }
        };
        let file = OpenOptions::new().append(true).open(&active.path)?;
        let size = file.metadata()?.len();
        let segments = Arc::new(Mutex::new(segments));
        let (sender, receiver) = mpsc::channel(4096);
        let writer = Writer {
            dir: dir.to_owned(),
            file,
            size,
            next,
            segments: segments.clone(),
        };
        std::thread::Builder::new()
            .name("cinder-wal".into())
            .spawn(move || writer.run(receiver))?;
        Ok((Self { sender, segments }, records))
    }

    /// Appends a record; returns its position once it is on disk, after `on_durable` ran.
    pub async fn append(&self, payload: Vec<u8>, on_durable: OnDurable) -> io::Result<u64> {
        let (reply, answer) = oneshot::channel();
        let append = Append {
            payload,
            on_durable,
            reply,
        };
        self.sender
            .send(append)
            .await
            .map_err(|_| io::Error::other("the write-ahead log has stopped"))?;
        answer
            .await
            .map_err(|_| io::Error::other("the write-ahead log has stopped"))?
    }

    /// Deletes every closed segment whose records are all at or before `position`.
    pub fn trim(&self, position: u64) -> io::Result<()> {
        let mut segments = self.segments.lock();
        while segments.len() > 1 && segments[1].first <= position + 1 {
            let segment = segments.remove(0);
            fs::remove_file(&segment.path)?;
        }
        Ok(())
    }
}

/// Reads a segment's records; `false` when it ended in a damaged or torn record (the file is
/// then truncated after the last intact one).
fn read_segment(path: &Path) -> io::Result<(Vec<Record>, bool)> {
    let mut bytes = Vec::new();
    File::open(path)?.read_to_end(&mut bytes)?;
    let mut records = Vec::new();
    let mut offset = 0;
    while offset < bytes.len() {
        let Some(record) = decode_record(&bytes[offset..]) else {
            tracing::warn!(segment = %path.display(), offset, "truncating a torn write-ahead log record");
            OpenOptions::new().write(true).open(path)?.set_len(offset as u64)?;
            return Ok((records, false));
        };
        offset += HEADER_BYTES + record.payload.len();
        records.push(record);
    }
    Ok((records, true))
}

fn decode_record(bytes: &[u8]) -> Option<Record> {
    let header = bytes.get(..HEADER_BYTES)?;
    let length = u32::from_le_bytes(header[0..4].try_into().ok()?) as usize;
    let checksum = u32::from_le_bytes(header[4..8].try_into().ok()?);
    let position = u64::from_le_bytes(header[8..16].try_into().ok()?);
    let payload = bytes.get(HEADER_BYTES..HEADER_BYTES + length)?;
    let mut hasher = crc32fast::Hasher::new();
    hasher.update(&header[8..16]);
    hasher.update(payload);
    (hasher.finalize() == checksum).then(|| Record {
        position,
        payload: payload.to_vec(),
    })
}

fn encode_record(out: &mut Vec<u8>, position: u64, payload: &[u8]) {
    let mut hasher = crc32fast::Hasher::new();
    hasher.update(&position.to_le_bytes());
    hasher.update(payload);
    out.extend_from_slice(&(payload.len() as u32).to_le_bytes());
    out.extend_from_slice(&hasher.finalize().to_le_bytes());
    out.extend_from_slice(&position.to_le_bytes());
    out.extend_from_slice(payload);
}

fn sync_dir(dir: &Path) -> io::Result<()> {
    File::open(dir)?.sync_all()
}

struct Writer {
    dir: PathBuf,
    file: File,
    size: u64,
    next: u64,
    segments: Arc<Mutex<Vec<Segment>>>,
}

impl Writer {
    fn run(mut self, mut receiver: mpsc::Receiver<Append>) {
        let mut buffer = Vec::new();
        let mut failed: Option<String> = None;
        // Groups refused in a row because the log could not write (a full disk).
        let mut failing: Option<u64> = None;
        while let Some(first) = receiver.blocking_recv() {
            let mut group = vec![first];
            let mut bytes = group[0].payload.len();
            while bytes < GROUP_BYTES {
                match receiver.try_recv() {
                    Ok(append) => {
                        bytes += append.payload.len();
                        group.push(append);
                    }
                    Err(_) => break,
                }
            }
            if let Some(reason) = &failed {
                for append in group {
                    let _ = append.reply.send(Err(io::Error::other(reason.clone())));
                }
                continue;
            }
            buffer.clear();
            let first_position = self.next;
            for (offset, append) in group.iter().enumerate() {
                encode_record(&mut buffer, first_position + offset as u64, &append.payload);
            }
            let started = std::time::Instant::now();
            let written = self.file.write_all(&buffer).and_then(|()| self.file.sync_data());
            let metrics = crate::metrics::metrics();
            metrics.wal_commit_seconds.observe(started.elapsed().as_secs_f64());
            if let Err(error) = written {
                let reason = format!("the write-ahead log cannot write: {error}");
                for append in group {
                    let _ = append.reply.send(Err(io::Error::new(error.kind(), reason.clone())));
                }
                // Nothing of the group was acknowledged. Cut whatever part of it reached the
                // file (a full disk takes half a write): the log then ends at its last
                // acknowledged record, as it did before, and the next group tries again — so
                // ingest resumes by itself once space is freed. The bytes cut are the ones a
                // failed fsync may have left in doubt, so this holds after an fsync error
                // too. If even the cut fails, the file's state is unknown: every later append
                // is refused until a restart reads the log back.
                match self.file.set_len(self.size).and_then(|()| self.file.sync_all()) {
                    Ok(()) => {
                        if failing.is_none() {
                            tracing::error!(%error, "the write-ahead log cannot write; requests are refused (nothing of them acknowledged) until it can again");
                        }
                        *failing.get_or_insert(0) += 1;
                    }
                    Err(cut) => {
                        tracing::error!(%error, %cut, "the write-ahead log failed and cannot be cut back to its last record; ingest stops until restart");
                        failed = Some(reason);
                    }
                }
                continue;
            }
            if let Some(groups) = failing.take() {
                tracing::warn!(refused = groups, "the write-ahead log writes again");
            }
            metrics.wal_bytes.inc_by(buffer.len() as u64);
            metrics.wal_group_records.observe(group.len() as f64);
            self.next += group.len() as u64;
            self.size += buffer.len() as u64;
            for (offset, append) in group.into_iter().enumerate() {
                let position = first_position + offset as u64;
                (append.on_durable)(position);
                let _ = append.reply.send(Ok(position));
            }
            if self.size >= SEGMENT_BYTES {
                if let Err(error) = self.rotate() {
                    tracing::error!(%error, "cannot start a new write-ahead log segment");
                }
            }
        }
    }

    fn rotate(&mut self) -> io::Result<()> {
        let segment = Segment {
            first: self.next,
            path: segment_path(&self.dir, self.next),
        };
        self.file = OpenOptions::new().create(true).append(true).open(&segment.path)?;
        sync_dir(&self.dir)?;
        self.size = 0;
        self.segments.lock().push(segment);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn temp_dir() -> PathBuf {
        let dir = std::env::temp_dir().join(format!("cinder-wal-{}", uuid::Uuid::new_v4()));
        fs::create_dir_all(&dir).unwrap();
        dir
    }

    #[tokio::test]
    async fn records_survive_reopening_and_torn_tails_are_cut() {
        let dir = temp_dir();
        {
            let (wal, records) = Wal::open(&dir).unwrap();
            assert!(records.is_empty());
            for index in 0..5u8 {
                let position = wal.append(vec![index; 10], Box::new(|_| {})).await.unwrap();
                assert_eq!(position, u64::from(index) + 1);
            }
        }
        // Tear the last record: a crash in the middle of a write.
        let segment = segment_path(&dir, 1);
        let length = fs::metadata(&segment).unwrap().len();
        OpenOptions::new()
            .write(true)
            .open(&segment)
            .unwrap()
            .set_len(length - 3)
            .unwrap();

        let (wal, records) = Wal::open(&dir).unwrap();
        let positions: Vec<u64> = records.iter().map(|record| record.position).collect();
        assert_eq!(positions, [1, 2, 3, 4]);
        assert_eq!(records[3].payload, vec![3u8; 10]);
        // Appending continues after the last intact record.
        assert_eq!(wal.append(b"next".to_vec(), Box::new(|_| {})).await.unwrap(), 5);
        fs::remove_dir_all(dir).unwrap();
    }

    #[tokio::test]
    async fn hooks_run_in_log_order() {
        let dir = temp_dir();
        let (wal, _) = Wal::open(&dir).unwrap();
        let seen = Arc::new(Mutex::new(Vec::new()));
        let appends = (0..50).map(|_| {
            let seen = seen.clone();
            let wal = wal.clone();
            async move {
                wal.append(vec![1], Box::new(move |position| seen.lock().push(position)))
                    .await
            }
        });
        futures_join_all(appends).await;
        let seen = seen.lock().clone();
        let mut sorted = seen.clone();
        sorted.sort_unstable();
        assert_eq!(seen, sorted);
        assert_eq!(seen.len(), 50);
        fs::remove_dir_all(dir).unwrap();
    }

    async fn futures_join_all<F: std::future::Future<Output = io::Result<u64>> + Send + 'static>(
        futures: impl Iterator<Item = F>,
    ) {
        let handles: Vec<_> = futures.map(tokio::spawn).collect();
        for handle in handles {
            handle.await.unwrap().unwrap();
        }
    }
}
