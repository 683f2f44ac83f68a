//! Helpers shared by the integration tests: a store in a temp folder,
//! deterministic data, misbehaving sources, and access to the object files.
#![allow(dead_code)]

use std::io;
use std::path::{Path, PathBuf};
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use futures_util::TryStreamExt;
use suveren_blob::{EncryptedBlobs, LocalFolder, TenantKek};
use tokio::io::{AsyncRead, ReadBuf};

pub const C: usize = 64 * 1024;

pub struct Env {
    pub dir: tempfile::TempDir,
    pub local: LocalFolder,
    pub blobs: EncryptedBlobs,
    pub kek: TenantKek,
}

pub async fn env() -> Env {
    let dir = tempfile::tempdir().unwrap();
    let local = LocalFolder::open(dir.path()).await.unwrap();
    let blobs = EncryptedBlobs::new(Arc::new(local.clone()));
    Env { dir, local, blobs, kek: TenantKek::generate("nordvik") }
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

impl Env {
    pub async fn local_size(&self, key: &str) -> u64 {
        suveren_blob::BlobStore::size(&self.local, key).await.unwrap()
    }
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

/// The file holding `key`, found by name so the tests do not depend on the
/// fan-out scheme.
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
