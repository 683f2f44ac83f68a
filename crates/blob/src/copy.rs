//! Moving stored objects between stores as they are, for `suveren store
//! migrate`: the bytes of a [`LocalFolder`](crate::LocalFolder) object file
//! (already encrypted; never decrypted here) streamed into any
//! [`BlobStore`], and SHA-256 over an object or a file, streamed, to check
//! the copy.

use std::io;
use std::path::Path;
use std::pin::Pin;
use std::task::{Context, Poll};

use sha2::{Digest, Sha256};
use tokio::io::{AsyncRead, AsyncReadExt, ReadBuf};

use crate::error::{Error, Result};
use crate::store::BlobStore;

/// What [`copy_file`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Copied {
    /// Written: this many bytes.
    Written(u64),
    /// The target held an object of that key and size already.
    Present(u64),
}

/// A reader that reports every chunk it hands out.
struct Counting<'a, R> {
    inner: R,
    on_bytes: &'a (dyn Fn(u64) + Send + Sync),
}

impl<R: AsyncRead + Unpin> AsyncRead for Counting<'_, R> {
    fn poll_read(mut self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &mut ReadBuf<'_>) -> Poll<io::Result<()>> {
        let before = buf.filled().len();
        let res = Pin::new(&mut self.inner).poll_read(cx, buf);
        let n = buf.filled().len() - before;
        if n > 0 {
            (self.on_bytes)(n as u64);
        }
        res
    }
}

/// Streams the file `src` into `dst` as the object `key`, unless `dst`
/// already holds an object under `key` of the file's size (a resumed copy).
/// `on_bytes` hears the bytes as they are read. The object becomes visible
/// only once complete (the store's `put`); a file that changes size while
/// it is copied is an error.
pub async fn copy_file(
    src: &Path,
    dst: &dyn BlobStore,
    key: &str,
    on_bytes: &(dyn Fn(u64) + Send + Sync),
) -> Result<Copied> {
    let file = tokio::fs::File::open(src).await.map_err(Error::from_io_lookup)?;
    let size = file.metadata().await?.len();
    match dst.size(key).await {
        Ok(n) if n == size => return Ok(Copied::Present(size)),
        Ok(_) | Err(Error::NotFound) => {}
        Err(e) => return Err(e),
    }
    let mut reader = Counting { inner: file, on_bytes };
    let written = dst.put(key, &mut reader).await?;
    if written != size {
        return Err(Error::Io(io::Error::other(format!(
            "{} changed while it was copied ({size} bytes before, {written} read)",
            src.display()
        ))));
    }
    Ok(Copied::Written(written))
}

/// Size and SHA-256 of the object `key`, read back in one streamed read.
pub async fn sha256_object(
    store: &dyn BlobStore,
    key: &str,
    on_bytes: &(dyn Fn(u64) + Send + Sync),
) -> Result<(u64, [u8; 32])> {
    let reader = store.read_range(key, 0, None).await?;
    Ok(sha256_reader(reader, on_bytes).await?)
}

/// Size and SHA-256 of a file, streamed.
pub async fn sha256_file(path: &Path, on_bytes: &(dyn Fn(u64) + Send + Sync)) -> Result<(u64, [u8; 32])> {
    let file = tokio::fs::File::open(path).await.map_err(Error::from_io_lookup)?;
    Ok(sha256_reader(file, on_bytes).await?)
}

async fn sha256_reader(
    mut r: impl AsyncRead + Unpin,
    on_bytes: &(dyn Fn(u64) + Send + Sync),
) -> io::Result<(u64, [u8; 32])> {
    let mut h = Sha256::new();
    let mut buf = vec![0u8; 256 * 1024];
    let mut size = 0u64;
    loop {
        let n = r.read(&mut buf).await?;
        if n == 0 {
            break;
        }
        h.update(&buf[..n]);
        size += n as u64;
        on_bytes(n as u64);
    }
    Ok((size, h.finalize().into()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::LocalFolder;

    #[tokio::test]
    async fn copies_once_then_finds_it_present_and_hashes_alike() {
        let dir = tempfile::tempdir().unwrap();
        let src = dir.path().join("src.bin");
        let bytes: Vec<u8> = (0..300_000u32).map(|i| (i % 251) as u8).collect();
        std::fs::write(&src, &bytes).unwrap();
        let dst = LocalFolder::open(dir.path().join("dst")).await.unwrap();
        let seen = std::sync::atomic::AtomicU64::new(0);
        let count = |n| {
            seen.fetch_add(n, std::sync::atomic::Ordering::Relaxed);
        };
        assert_eq!(copy_file(&src, &dst, "t/a", &count).await.unwrap(), Copied::Written(300_000));
        assert_eq!(seen.load(std::sync::atomic::Ordering::Relaxed), 300_000);
        assert_eq!(copy_file(&src, &dst, "t/a", &|_| {}).await.unwrap(), Copied::Present(300_000));
        let a = sha256_file(&src, &|_| {}).await.unwrap();
        let b = sha256_object(&dst, "t/a", &|_| {}).await.unwrap();
        assert_eq!(a, b);
        assert_eq!(a.1, <[u8; 32]>::from(Sha256::digest(&bytes)));
        // A shorter object of that key is replaced.
        dst.put("t/b", &mut &b"short"[..]).await.unwrap();
        assert_eq!(copy_file(&src, &dst, "t/b", &|_| {}).await.unwrap(), Copied::Written(300_000));
        assert!(matches!(copy_file(&dir.path().join("gone"), &dst, "t/c", &|_| {}).await, Err(Error::NotFound)));
    }
}
