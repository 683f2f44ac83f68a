//! Encrypted, streamed, atomic blob storage for file contents (trust-model
//! rule 6): a raw [`BlobStore`] (a local folder or an S3 bucket), the key
//! hierarchy ([`KeyProvider`] → [`TenantKek`] → per-blob data key), and
//! [`EncryptedBlobs`], which writes the chunked `SVBLOB1` format described in
//! [`format`](mod@format), in one streamed `put` or as a resumable upload
//! (tus 1.0) whose chunks are sealed and stored as they arrive.

pub mod blobs;
pub mod copy;
mod encrypt;
pub mod error;
pub mod format;
pub mod keys;
pub mod local;
pub mod pkcs11;
pub mod s3;
pub mod store;

pub use blobs::{BlobInfo, EncryptedBlobs, PlaintextStream, Rewrap};
pub use error::{Error, Result};
pub use keys::{KeyProvider, MasterKeyFile, Passphrase, TenantKek};
pub use local::LocalFolder;
pub use pkcs11::{Pkcs11Config, Pkcs11Provider};
pub use s3::{S3Blobs, S3Config};
pub use store::{validate_key, BlobStore, ByteReader};
