//! The raw byte store behind a narrow interface: the local folder today, S3
//! later, without the encryption layer or the drive knowing which.

use async_trait::async_trait;
use tokio::io::AsyncRead;

use crate::error::{Error, Result};

/// A boxed byte source, returned by reads so backends can hand out files,
/// HTTP bodies or anything else.
pub type ByteReader = Box<dyn AsyncRead + Send + Unpin>;

/// Raw, unencrypted object storage. The methods map one-to-one onto S3
/// operations (PUT, ranged GET, DELETE, HEAD) so a second backend stays small.
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
