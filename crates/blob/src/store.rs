//! The raw byte store behind a narrow interface: a local folder or an S3
//! bucket, without the encryption layer or the drive knowing which.

use std::time::SystemTime;

use async_trait::async_trait;
use bytes::Bytes;
use tokio::io::{AsyncRead, AsyncReadExt};

use crate::error::{Error, Result};

/// A boxed byte source, returned by reads so backends can hand out files,
/// HTTP bodies or anything else.
pub type ByteReader = Box<dyn AsyncRead + Send + Unpin>;

/// Raw, unencrypted object storage. The methods map one-to-one onto S3
/// operations (PUT, ranged GET, DELETE, HEAD) so a second backend stays small.
///
/// The `partial_*` methods hold an object that is still being written across
/// requests and restarts (a resumable upload): it grows by appends in order,
/// like the parts of an S3 multipart upload, and is invisible to `read_range`,
/// `exists` and `size` until `partial_commit` makes it the object under the
/// same key. At most one in-progress object exists per key. Backends do not
/// interpret the bytes; `EncryptedBlobs` decides what is appended.
#[async_trait]
pub trait BlobStore: Send + Sync {
    /// Streams `src` into the object `key`, replacing any previous object.
    /// The object becomes visible only once complete and durable; if the
    /// source fails or the process dies, readers see the old object or none.
    /// Returns the number of bytes written.
    async fn put(&self, key: &str, src: &mut (dyn AsyncRead + Send + Unpin)) -> Result<u64>;

    /// Reads `len` bytes from `offset`, or to the end when `len` is `None`.
    /// A range past the end yields a short read, not an error, as S3 does.
    async fn read_range(&self, key: &str, offset: u64, len: Option<u64>) -> Result<ByteReader>;

    /// Removes the object; `Ok(false)` when it was not there, so deletes are
    /// idempotent.
    async fn delete(&self, key: &str) -> Result<bool>;

    /// Whether an object exists under `key`.
    async fn exists(&self, key: &str) -> Result<bool>;

    /// The object's size in bytes, or [`Error::NotFound`].
    async fn size(&self, key: &str) -> Result<u64>;

    /// Starts an in-progress object holding `head`, durably, so that it
    /// survives a restart before the first append. [`Error::UploadExists`]
    /// if one is already in progress under `key`: replacing it silently would
    /// discard data a client believes stored. (S3: CreateMultipartUpload,
    /// with `head` kept where `partial_read_head` can find it.)
    async fn partial_create(&self, key: &str, head: &[u8]) -> Result<()>;

    /// Bytes stored so far, `None` when nothing is in progress under `key`.
    /// (S3: the sum of ListParts.)
    async fn partial_len(&self, key: &str) -> Result<Option<u64>>;

    /// Cuts the in-progress object back to `len` bytes, durably: the caller
    /// drops the tail a crash tore. Refuses to grow it. (S3: parts are
    /// atomic, so this is only ever asked for the current length.)
    async fn partial_truncate(&self, key: &str, len: u64) -> Result<()>;

    /// Appends `bytes` at `at`, which must be the current length, and makes
    /// them durable before returning. A length other than `at` means another
    /// writer (a request its client gave up on) got in between; that is
    /// refused with [`Error::UploadBusy`] rather than interleaved. On error
    /// nothing of `bytes` is kept if the backend can help it (a crash can
    /// still leave a torn tail, which the caller cuts off with
    /// `partial_truncate`). [`Error::NotFound`] if nothing is in progress,
    /// e.g. after an abort. (S3: UploadPart, `at` naming the part; parts
    /// below the 5 MiB minimum need staging.)
    async fn partial_append(&self, key: &str, at: u64, bytes: Bytes) -> Result<()>;

    /// The first `len` bytes, which the caller wrote with `partial_create`
    /// and needs again to resume after a restart.
    async fn partial_read_head(&self, key: &str, len: usize) -> Result<Vec<u8>>;

    /// Makes the in-progress object the object under `key`, atomically and
    /// durably, replacing any previous object, exactly as a completed `put`.
    /// (S3: CompleteMultipartUpload.)
    async fn partial_commit(&self, key: &str) -> Result<()>;

    /// Discards the in-progress object; `Ok(false)` when there was none.
    /// Never touches a committed object. (S3: AbortMultipartUpload.)
    async fn partial_delete(&self, key: &str) -> Result<bool>;

    /// Every in-progress object with the time it last grew, so the caller
    /// can expire uploads its clients abandoned. (S3: ListMultipartUploads,
    /// which reports the start time instead.)
    async fn partial_list(&self) -> Result<Vec<(String, SystemTime)>>;

    /// Replaces the first `new.len()` bytes of the committed object `key`
    /// with `new`, provided they still equal `expected` (else
    /// [`Error::Changed`]); the rest of the object is kept. Durable on
    /// return. Used to rewrap a blob's data key under a new KEK.
    ///
    /// The default streams the object into a replacement and publishes it
    /// with [`BlobStore::put`] (atomic, and the only way on S3, whose objects
    /// are immutable). A backend that can write in place safely overrides it.
    async fn rewrite_head(&self, key: &str, expected: &[u8], new: &[u8]) -> Result<()> {
        if expected.len() != new.len() {
            return Err(Error::Io(std::io::Error::new(
                std::io::ErrorKind::InvalidInput,
                "a head rewrite must keep the head's length",
            )));
        }
        let mut rest = self.read_range(key, 0, None).await?;
        let mut current = vec![0u8; expected.len()];
        rest.read_exact(&mut current).await.map_err(|_| Error::Corrupt("object shorter than its head"))?;
        if current != expected {
            return Err(Error::Changed);
        }
        let mut src = new.chain(rest);
        self.put(key, &mut src).await?;
        Ok(())
    }

    /// [`BlobStore::rewrite_head`] for an in-progress object, so an upload
    /// begun before a KEK rotation can still be finished after it. No
    /// generic default: a backend says how (S3 keeps the head aside).
    async fn partial_rewrite_head(&self, key: &str, expected: &[u8], new: &[u8]) -> Result<()> {
        let _ = (key, expected, new);
        Err(Error::Io(std::io::Error::new(
            std::io::ErrorKind::Unsupported,
            "this store cannot rewrite the head of an upload in progress",
        )))
    }
}

/// Longest accepted key; keeps file names within common filesystem limits.
pub const MAX_KEY_LEN: usize = 200;

/// Validates a blob key: `[a-z0-9/-]`, segments separated by single `/`, no
/// leading or trailing `/`, no `.`-only segments. Every backend calls this so
/// a key is never a path-traversal vector, whatever the caller passed.
pub fn validate_key(key: &str) -> Result<()> {
    let ok = !key.is_empty()
        && key.len() <= MAX_KEY_LEN
        && key.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'/' || b == b'-')
        && key.split('/').all(|seg| !seg.is_empty());
    if ok {
        Ok(())
    } else {
        Err(Error::InvalidKey(key.to_owned()))
    }
}

#[cfg(test)]
mod tests {
    use super::validate_key;

    #[test]
    fn key_grammar() {
        for good in ["a", "t1/abc-def", "0/1/2", "tenant-1/blob/9f"] {
            assert!(validate_key(good).is_ok(), "{good}");
        }
        for bad in ["", "/a", "a/", "a//b", "..", "a/../b", "A", "a.b", "a b", "a\0", "a\\b", "ø"] {
            assert!(validate_key(bad).is_err(), "{bad:?}");
        }
        assert!(validate_key(&"a".repeat(201)).is_err());
    }
}
