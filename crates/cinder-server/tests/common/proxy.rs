//! A TCP proxy in front of a backend (PostgreSQL, the BigQuery emulator) that a test can cut
//! and restore, to lose the backend mid-ingest without disturbing the shared test server.

use std::sync::atomic::{AtomicU64, AtomicU8, Ordering};
use std::sync::Arc;
use std::time::Duration;

/// What the proxy does with connections.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u8)]
pub enum Mode {
    /// Forwards them.
    Up = 0,
    /// Drops them at once, open ones too: the backend's host refuses.
    Refuse = 1,
    /// Accepts them and never answers, open ones too: a network partition.
    Blackhole = 2,
}

pub struct Proxy {
    pub port: u16,
    mode: Arc<AtomicU8>,
    /// Bumped on every change of mode: connections of an older generation end.
    generation: Arc<AtomicU64>,
}

impl Proxy {
    pub async fn start(target: String) -> Self {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let mode = Arc::new(AtomicU8::new(Mode::Up as u8));
        let generation = Arc::new(AtomicU64::new(0));
        let (modes, generations) = (mode.clone(), generation.clone());
        tokio::spawn(async move {
            loop {
                let Ok((mut client, _)) = listener.accept().await else {
                    continue;
                };
                let born = generations.load(Ordering::Acquire);
                let (target, generations, modes) = (target.clone(), generations.clone(), modes.clone());
                tokio::spawn(async move {
                    let ended = async {
                        while generations.load(Ordering::Acquire) == born {
                            tokio::time::sleep(Duration::from_millis(20)).await;
                        }
                    };
                    match modes.load(Ordering::Acquire) {
                        0 => {
                            let Ok(mut server) = tokio::net::TcpStream::connect(target).await else {
                                return;
                            };
                            let copy = tokio::io::copy_bidirectional(&mut client, &mut server);
                            tokio::select! { _ = copy => {}, _ = ended => {} }
                        }
                        1 => {} // dropped
                        _ => {
                            // Held unanswered until the mode changes, then dropped.
                            ended.await;
                        }
                    }
                });
            }
        });
        Self { port, mode, generation }
    }

    /// Sets what the proxy does, for new connections and open ones.
    pub fn set(&self, mode: Mode) {
        self.mode.store(mode as u8, Ordering::Release);
        self.generation.fetch_add(1, Ordering::AcqRel);
    }

    /// Drops every open connection and refuses new ones.
    pub fn down(&self) {
        self.set(Mode::Refuse);
    }

    pub fn restore(&self) {
        self.set(Mode::Up);
    }
}
