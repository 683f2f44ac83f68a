//! Helpers shared by the integration tests: an environment over either
//! backend (a local folder, or a bucket on a real S3 server started by
//! `s3.rs`), deterministic data, misbehaving sources, and raw access to
//! what the backend stores.
#![allow(dead_code)]

pub mod s3;

use std::io;
use std::path::{Path, PathBuf};
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use futures_util::TryStreamExt;
use suveren_blob::{BlobStore, EncryptedBlobs, LocalFolder, S3Blobs, S3Config, TenantKek};
use tokio::io::{AsyncRead, AsyncReadExt, ReadBuf};

pub const C: usize = 64 * 1024;

pub struct Env {
    /// The raw store, whichever backend.
    pub store: Arc<dyn BlobStore>,
    pub blobs: EncryptedBlobs,
    pub kek: TenantKek,
    pub backend: Backend,
}

pub enum Backend {
    Local { dir: tempfile::TempDir, local: LocalFolder },
    S3 { config: S3Config, server: Arc<s3::Server> },
}

/// A fresh local folder.
pub async fn env() -> Env {
    let dir = tempfile::tempdir().unwrap();
    let local = LocalFolder::open(dir.path()).await.unwrap();
    let store: Arc<dyn BlobStore> = Arc::new(local.clone());
    Env {
        blobs: EncryptedBlobs::new(store.clone()),
        store,
        kek: TenantKek::generate("nordvik"),
        backend: Backend::Local { dir, local },
    }
}

/// [`env`] in the shape the backend suite takes (`None` would skip).
pub async fn local_env() -> Option<Env> {
    Some(env().await)
}

impl Env {
    pub fn from_s3(store: S3Blobs, config: S3Config, server: Arc<s3::Server>) -> Env {
        let store: Arc<dyn BlobStore> = Arc::new(store);
        Env {
            blobs: EncryptedBlobs::new(store.clone()),
            store,
            kek: TenantKek::generate("nordvik"),
            backend: Backend::S3 { config, server },
        }
    }

    /// The local folder; for the tests that are about it alone.
    pub fn local(&self) -> &LocalFolder {
        match &self.backend {
            Backend::Local { local, .. } => local,
            Backend::S3 { .. } => panic!("a local-folder test ran on S3"),
        }
    }

    pub fn dir(&self) -> &Path {
        match &self.backend {
            Backend::Local { dir, .. } => dir.path(),
            Backend::S3 { .. } => panic!("a local-folder test ran on S3"),
        }
    }

    /// The same storage opened again, as after a restart.
    pub async fn reopen(&self) -> Arc<dyn BlobStore> {
        match &self.backend {
            Backend::Local { dir, .. } => Arc::new(LocalFolder::open(dir.path()).await.unwrap()),
            Backend::S3 { config, .. } => Arc::new(S3Blobs::open(config.clone()).await.unwrap()),
        }
    }

    /// The stored (encrypted) bytes of the committed object `key`.
    pub async fn raw(&self, key: &str) -> Vec<u8> {
        let mut out = Vec::new();
        self.store.read_range(key, 0, None).await.unwrap().read_to_end(&mut out).await.unwrap();
        out
    }

    /// Replaces the stored bytes of `key`: what an attacker with access to
    /// the disk or the bucket can do.
    pub async fn set_raw(&self, key: &str, bytes: &[u8]) {
        let mut src = bytes;
        self.store.put(key, &mut src).await.unwrap();
    }

    pub async fn stored_size(&self, key: &str) -> u64 {
        self.store.size(key).await.unwrap()
    }

    /// Every byte the backend holds for this environment, object by
    /// object (files under the folder; objects under the bucket prefix,
    /// fetched without `S3Blobs`).
    pub async fn everything_stored(&self) -> Vec<Vec<u8>> {
        match &self.backend {
            Backend::Local { dir, .. } => {
                fn walk(dir: &Path, out: &mut Vec<Vec<u8>>) {
                    for e in std::fs::read_dir(dir).unwrap() {
                        let p = e.unwrap().path();
                        if p.is_dir() {
                            walk(&p, out);
                        } else {
                            out.push(std::fs::read(p).unwrap());
                        }
                    }
                }
                let mut out = Vec::new();
                walk(dir.path(), &mut out);
                out
            }
            Backend::S3 { config, server } => server.objects_under(config.prefix.as_deref()).await,
        }
    }
}

/// Deterministic, non-periodic bytes (xorshift), so a misplaced chunk can
/// never decrypt to the expected slice by coincidence.
pub fn data(len: usize, seed: u64) -> Vec<u8> {
    let mut x = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    (0..len)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            (x >> 24) as u8
        })
        .collect()
}

pub async fn put(env: &Env, key: &str, plain: &[u8]) {
    let mut src = plain;
    let info = env.blobs.put(&env.kek, key, &mut src).await.unwrap();
    assert_eq!(info.size, plain.len() as u64);
}

pub async fn read_range(env: &Env, kek: &TenantKek, key: &str, offset: u64, len: u64) -> suveren_blob::Result<Vec<u8>> {
    let s = env.blobs.read_range(kek, key, offset, len).await?;
    let pieces: Vec<bytes::Bytes> = s.try_collect().await?;
    Ok(pieces.concat())
}

/// The file holding `key` in a local folder, found by name so the tests do
/// not depend on the fan-out scheme.
pub fn object_path(root: &Path, key: &str) -> PathBuf {
    fn walk(dir: &Path, name: &str) -> Option<PathBuf> {
        for e in std::fs::read_dir(dir).ok()? {
            let p = e.ok()?.path();
            if p.is_dir() {
                if let Some(found) = walk(&p, name) {
                    return Some(found);
                }
            } else if p.file_name()? == name {
                return Some(p);
            }
        }
        None
    }
    walk(&root.join("objects"), &key.replace('/', "~")).expect("object file exists")
}

/// Yields `good` bytes, then fails: a client that disconnects mid-upload.
pub struct FailingReader {
    pub good: usize,
}

impl AsyncRead for FailingReader {
    fn poll_read(mut self: Pin<&mut Self>, _cx: &mut Context<'_>, buf: &mut ReadBuf<'_>) -> Poll<io::Result<()>> {
        if self.good == 0 {
            return Poll::Ready(Err(io::Error::new(io::ErrorKind::ConnectionReset, "client went away")));
        }
        let n = self.good.min(buf.remaining()).min(10_000);
        buf.put_slice(&vec![b'x'; n]);
        self.good -= n;
        Poll::Ready(Ok(()))
    }
}

/// A source that never answers: a client that stalls.
pub struct Stalled;

impl AsyncRead for Stalled {
    fn poll_read(self: Pin<&mut Self>, _cx: &mut Context<'_>, _buf: &mut ReadBuf<'_>) -> Poll<io::Result<()>> {
        Poll::Pending
    }
}

/// Produces `remaining` bytes from a fixed pattern without holding them, and
/// hashes what it produced.
pub struct Generator {
    pub remaining: u64,
    pattern: Vec<u8>,
    pos: usize,
}

impl Generator {
    pub fn new(len: u64) -> Self {
        Generator {
            remaining: len,
            pattern: data(1_048_573, 42), // prime length: chunks never line up
            pos: 0,
        }
    }

    /// The bytes `Generator::new(len)` yields from `offset`, `len` of them.
    pub fn slice(offset: u64, len: usize) -> Vec<u8> {
        let pattern = data(1_048_573, 42);
        let mut pos = (offset % pattern.len() as u64) as usize;
        let mut out = Vec::with_capacity(len);
        while out.len() < len {
            let n = (pattern.len() - pos).min(len - out.len());
            out.extend_from_slice(&pattern[pos..pos + n]);
            pos = (pos + n) % pattern.len();
        }
        out
    }
}

impl AsyncRead for Generator {
    fn poll_read(mut self: Pin<&mut Self>, _cx: &mut Context<'_>, buf: &mut ReadBuf<'_>) -> Poll<io::Result<()>> {
        let this = &mut *self;
        let n = (this.pattern.len() - this.pos)
            .min(buf.remaining())
            .min(usize::try_from(this.remaining).unwrap_or(usize::MAX));
        buf.put_slice(&this.pattern[this.pos..this.pos + n]);
        this.pos = (this.pos + n) % this.pattern.len();
        this.remaining -= n as u64;
        Poll::Ready(Ok(()))
    }
}
