//! The one error type of the crate, so callers can tell "not there", "bad
//! input", "tampered or wrong key" and "the disk failed" apart.

use std::io;

/// Everything that can go wrong storing, encrypting or reading a blob.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The key does not fit the key grammar; refused before touching the disk
    /// so a key can never name a path outside the store.
    #[error("invalid blob key {0:?}: use [a-z0-9/-], no leading '/', no empty or '..' segments")]
    InvalidKey(String),

    /// No object under this key.
    #[error("blob not found")]
    NotFound,

    /// Authentication failed or the structure is inconsistent. Deliberately
    /// vague: a wrong key and a flipped bit look the same to an attacker.
    #[error("blob is corrupt, tampered with, or sealed with another key: {0}")]
    Corrupt(&'static str),

    /// The requested byte range lies (partly) outside the blob.
    #[error("range {offset}+{len} is outside the blob of {size} bytes")]
    RangeOutOfBounds { offset: u64, len: u64, size: u64 },

    /// The blob would need more chunks than the nonce's chunk counter allows.
    #[error("blob too large for the format")]
    TooLarge,

    /// A resumable append did not start where the upload stands (tus answers
    /// 409); the client resumes from `expected`.
    #[error("the upload is at offset {expected}")]
    OffsetMismatch { expected: u64 },

    /// An upload is already in progress under this key. Beginning again
    /// would throw away what was received, so it must be aborted first.
    #[error("an upload is already in progress under this key")]
    UploadExists,

    /// Another append to the same upload is still running, typically the
    /// request a client gave up on (tus answers 423); retrying later works.
    #[error("another append to this upload is still running")]
    UploadBusy,

    /// The source held more bytes than the upload's declared length.
    #[error("the upload exceeds its declared length of {total} bytes")]
    UploadTooLong { total: u64 },

    /// The master key file may be read by group or others, so the key must
    /// be treated as leaked rather than silently used.
    #[error("master key file {path} has mode {mode:o}; it must not be readable by group or others (chmod 600)")]
    InsecureKeyFile { path: String, mode: u32 },

    /// The master key file exists but is not a key.
    #[error("master key file {0} is malformed")]
    BadKeyFile(String),

    /// A blob's header changed between reading and rewriting it (another
    /// rewrap or a replacement got there first); read it again and retry.
    #[error("the blob changed while its key was being rewrapped")]
    Changed,

    /// A key provider failed or refused (an HSM unreachable, a token not
    /// found, a PIN refused); the message says which, never a secret.
    #[error("key provider: {0}")]
    Provider(String),

    /// The underlying storage failed.
    #[error("I/O error: {0}")]
    Io(#[from] io::Error),
}

/// Shorthand used throughout the crate.
pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    /// Maps `NotFound` I/O errors to [`Error::NotFound`] so callers need not
    /// inspect `io::ErrorKind` themselves.
    pub(crate) fn from_io_lookup(e: io::Error) -> Self {
        if e.kind() == io::ErrorKind::NotFound {
            Error::NotFound
        } else {
            Error::Io(e)
        }
    }
}
