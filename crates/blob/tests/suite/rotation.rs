//! KEK rotation at the blob level: a v2 blob's data key is rewrapped, its
//! chunks untouched; the wrapped key still cannot be tampered with; after
//! a rewrap the new KEK reads and the old one does not.

use std::sync::Arc;

use suveren_blob::{BlobStore, EncryptedBlobs, Error, Rewrap, TenantKek};

use crate::common::*;

const HEADER: usize = 100;

pub async fn rewrap_changes_only_the_wrapped_key_and_moves_the_blob_to_the_new_kek(env: &Env) {
    let plain = data(3 * C + 11, 21);
    put(env, "t/rot", &plain).await;
    let before = env.raw("t/rot").await;
    assert_eq!(before[7], 2, "new blobs are written as format v2");

    let old = env.kek.clone();
    let new = TenantKek::generate("nordvik").retiring(&old).unwrap();
    // During the rotation both the old and the rotating key read the blob.
    assert_eq!(env.blobs.read_all(&new, "t/rot").await.unwrap(), plain);
    assert_eq!(env.blobs.rewrap(&new, "t/rot").await.unwrap(), Rewrap::Rewrapped);

    let after = env.raw("t/rot").await;
    assert_eq!(after.len(), before.len());
    assert_eq!(after[..28], before[..28], "magic, version, chunk size and nonce prefix kept");
    assert_ne!(after[28..HEADER], before[28..HEADER], "the wrapped key was replaced");
    assert_eq!(after[HEADER..], before[HEADER..], "no chunk was touched");

    // The new KEK alone reads it, fully and by range; the old one cannot.
    let new_only = new.current_only();
    assert!(!new_only.has_retired());
    assert_eq!(env.blobs.read_all(&new_only, "t/rot").await.unwrap(), plain);
    assert_eq!(read_range(env, &new_only, "t/rot", C as u64 + 5, 100).await.unwrap(), plain[C + 5..C + 105]);
    assert!(matches!(env.blobs.read_all(&old, "t/rot").await, Err(Error::Corrupt(_))));

    // Idempotent: running the rotation again changes nothing.
    assert_eq!(env.blobs.rewrap(&new, "t/rot").await.unwrap(), Rewrap::Current);
    assert_eq!(env.raw("t/rot").await, after);
    assert_eq!(env.blobs.rewrap(&new, "t/gone").await.unwrap(), Rewrap::Missing);
}

pub async fn a_rewrapped_key_is_still_authenticated(env: &Env) {
    put(env, "t/a", &data(2 * C, 22)).await;
    put(env, "t/b", &data(2 * C, 23)).await;
    let new = TenantKek::generate("nordvik").retiring(&env.kek).unwrap();
    env.blobs.rewrap(&new, "t/a").await.unwrap();
    env.blobs.rewrap(&new, "t/b").await.unwrap();
    let new = new.current_only();
    let (a, b) = (env.raw("t/a").await, env.raw("t/b").await);

    for pos in [28, 40, 60, 99] {
        let mut bad = a.clone();
        bad[pos] ^= 1;
        env.set_raw("t/a", &bad).await;
        assert!(env.blobs.read_all(&new, "t/a").await.is_err(), "flip at {pos} accepted");
    }
    // Another blob's (valid, same KEK) wrapped key in this header.
    let mut swapped = a.clone();
    swapped[28..HEADER].copy_from_slice(&b[28..HEADER]);
    env.set_raw("t/a", &swapped).await;
    assert!(env.blobs.read_all(&new, "t/a").await.is_err());
    env.set_raw("t/a", &a).await;
    assert!(env.blobs.read_all(&new, "t/a").await.is_ok());
    // A flipped version byte (v2 passed off as v1) is refused.
    let mut v1 = a.clone();
    v1[7] = 1;
    env.set_raw("t/a", &v1).await;
    assert!(env.blobs.read_all(&new, "t/a").await.is_err());
}

pub async fn rewrap_refuses_a_blob_neither_key_opens_and_a_concurrent_change(env: &Env) {
    put(env, "t/x", &data(1000, 24)).await;
    let stranger = TenantKek::generate("nordvik").retiring(&TenantKek::generate("nordvik")).unwrap();
    assert!(matches!(env.blobs.rewrap(&stranger, "t/x").await, Err(Error::Corrupt(_))));

    // The compare in rewrite_head: a header that changed underneath refuses.
    let raw = env.raw("t/x").await;
    let mut other = raw[..HEADER].to_vec();
    other[50] ^= 1;
    assert!(matches!(env.store.rewrite_head("t/x", &other, &raw[..HEADER]).await, Err(Error::Changed)));
    assert_eq!(env.raw("t/x").await, raw);
}

/// A store that keeps the trait's default `rewrite_head` (copy and put),
/// as the S3 backend does.
struct CopyOnly(Arc<dyn BlobStore>);

#[async_trait::async_trait]
impl BlobStore for CopyOnly {
    async fn put(&self, k: &str, s: &mut (dyn tokio::io::AsyncRead + Send + Unpin)) -> suveren_blob::Result<u64> {
        self.0.put(k, s).await
    }
    async fn read_range(&self, k: &str, o: u64, l: Option<u64>) -> suveren_blob::Result<suveren_blob::ByteReader> {
        self.0.read_range(k, o, l).await
    }
    async fn delete(&self, k: &str) -> suveren_blob::Result<bool> {
        self.0.delete(k).await
    }
    async fn exists(&self, k: &str) -> suveren_blob::Result<bool> {
        self.0.exists(k).await
    }
    async fn size(&self, k: &str) -> suveren_blob::Result<u64> {
        self.0.size(k).await
    }
    async fn partial_create(&self, k: &str, h: &[u8]) -> suveren_blob::Result<()> {
        self.0.partial_create(k, h).await
    }
    async fn partial_len(&self, k: &str) -> suveren_blob::Result<Option<u64>> {
        self.0.partial_len(k).await
    }
    async fn partial_truncate(&self, k: &str, l: u64) -> suveren_blob::Result<()> {
        self.0.partial_truncate(k, l).await
    }
    async fn partial_append(&self, k: &str, at: u64, b: bytes::Bytes) -> suveren_blob::Result<()> {
        self.0.partial_append(k, at, b).await
    }
    async fn partial_read_head(&self, k: &str, l: usize) -> suveren_blob::Result<Vec<u8>> {
        self.0.partial_read_head(k, l).await
    }
    async fn partial_commit(&self, k: &str) -> suveren_blob::Result<()> {
        self.0.partial_commit(k).await
    }
    async fn partial_delete(&self, k: &str) -> suveren_blob::Result<bool> {
        self.0.partial_delete(k).await
    }
    async fn partial_list(&self) -> suveren_blob::Result<Vec<(String, std::time::SystemTime)>> {
        self.0.partial_list().await
    }
}

pub async fn the_default_rewrite_head_copies_and_keeps_the_chunks(env: &Env) {
    let blobs = EncryptedBlobs::new(Arc::new(CopyOnly(env.store.clone())));
    let plain = data(2 * C + 3, 25);
    let mut src = &plain[..];
    blobs.put(&env.kek, "t/s3", &mut src).await.unwrap();
    let before = env.raw("t/s3").await;
    let new = TenantKek::generate("nordvik").retiring(&env.kek).unwrap();
    assert_eq!(blobs.rewrap(&new, "t/s3").await.unwrap(), Rewrap::Rewrapped);
    let after = env.raw("t/s3").await;
    assert_eq!(after[HEADER..], before[HEADER..]);
    assert_eq!(blobs.read_all(&new.current_only(), "t/s3").await.unwrap(), plain);
    assert!(blobs.read_all(&env.kek, "t/s3").await.is_err());
    // And the compare in the default refuses a changed header.
    let mut other = after[..HEADER].to_vec();
    other[50] ^= 1;
    let copy_only = CopyOnly(env.store.clone());
    assert!(matches!(copy_only.rewrite_head("t/s3", &other, &after[..HEADER]).await, Err(Error::Changed)));
    assert_eq!(env.raw("t/s3").await, after);
}

pub async fn an_upload_begun_under_the_old_kek_finishes_under_the_new_one_after_its_rewrap(env: &Env) {
    let plain = data(2 * C + 9, 26);
    let total = plain.len() as u64;
    env.blobs.resumable_begin(&env.kek, "u/rot", total).await.unwrap();
    let mut first = &plain[..C];
    env.blobs.resumable_append(&env.kek, "u/rot", total, 0, &mut first).await.unwrap();

    let new = TenantKek::generate("nordvik").retiring(&env.kek).unwrap();
    assert_eq!(env.blobs.rewrap_upload(&new, "u/rot").await.unwrap(), Rewrap::Rewrapped);
    assert_eq!(env.blobs.rewrap_upload(&new, "u/rot").await.unwrap(), Rewrap::Current);
    assert_eq!(env.blobs.rewrap_upload(&new, "u/none").await.unwrap(), Rewrap::Missing);

    let new = new.current_only();
    let mut rest = &plain[C..];
    let (end, info) = env.blobs.resumable_append(&new, "u/rot", total, C as u64, &mut rest).await.unwrap();
    assert_eq!((end, info.map(|i| i.size)), (total, Some(total)));
    assert_eq!(env.blobs.read_all(&new, "u/rot").await.unwrap(), plain);
    assert!(env.blobs.read_all(&env.kek, "u/rot").await.is_err());
}
