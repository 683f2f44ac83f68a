//! `LocalFolder` alone: temp files never outlive a write, the crash sweep
//! at open, and what it keeps. The backend contract itself is in `suite/`.

mod common;

use std::time::Duration;

use common::*;
use suveren_blob::{BlobStore, EncryptedBlobs, Error, LocalFolder};
use tokio::io::AsyncReadExt;

fn temp_files(store: &LocalFolder) -> usize {
    std::fs::read_dir(store.temp_dir()).unwrap().count()
}

#[tokio::test]
async fn failed_source_leaves_no_temp_file() {
    let env = env().await;
    let mut src = FailingReader { good: 3 * C + 10 };
    assert!(env.blobs.put(&env.kek, "t/half", &mut src).await.is_err());
    assert_eq!(temp_files(env.local()), 0);
    let old = data(C + 3, 1);
    put(&env, "t/keep", &old).await;
    let mut src = FailingReader { good: 5 * C };
    assert!(env.blobs.put(&env.kek, "t/keep", &mut src).await.is_err());
    assert_eq!(temp_files(env.local()), 0);

    let reopened = LocalFolder::open(env.dir()).await.unwrap();
    assert!(!reopened.exists("t/half").await.unwrap());
    assert_eq!(temp_files(&reopened), 0);
}

#[tokio::test]
async fn cancelled_put_removes_its_temp_file() {
    let env = env().await;
    // 100 KB, then a source that never answers; the timeout drops the put.
    let mut src = tokio::io::repeat(7).take(100_000).chain(Generator::new(0).chain(Stalled));
    let put = env.local().put("t/stalled", &mut src);
    assert!(tokio::time::timeout(Duration::from_millis(300), put).await.is_err());
    assert!(!env.local().exists("t/stalled").await.unwrap());
    assert_eq!(temp_files(env.local()), 0);
}

#[tokio::test]
async fn open_sweeps_temp_files_left_by_a_crash() {
    let env = env().await;
    put(&env, "t/kept", b"survivor").await;
    // What a SIGKILL between create and rename leaves behind.
    std::fs::write(env.local().temp_dir().join("0123abcd.tmp"), b"half a blob").unwrap();
    assert_eq!(temp_files(env.local()), 1);
    let reopened = LocalFolder::open(env.dir()).await.unwrap();
    assert_eq!(temp_files(&reopened), 0);
    assert!(reopened.exists("t/kept").await.unwrap());
}

#[tokio::test]
async fn the_sweep_at_open_keeps_uploads_in_progress() {
    let env = env().await;
    let plain = data(3 * C, 3);
    let total = plain.len() as u64;
    env.blobs.resumable_begin(&env.kek, "u/restart", total).await.unwrap();
    let mut src = &plain[..C];
    env.blobs.resumable_append(&env.kek, "u/restart", total, 0, &mut src).await.unwrap();
    std::fs::write(env.dir().join("tmp").join("0123abcd.tmp"), b"half a blob").unwrap();

    let local = LocalFolder::open(env.dir()).await.unwrap();
    assert_eq!(temp_files(&local), 0);
    assert_eq!(std::fs::read_dir(local.partial_dir()).unwrap().count(), 1);
    let blobs = EncryptedBlobs::new(std::sync::Arc::new(local));
    assert_eq!(blobs.resumable_offset("u/restart", total).await.unwrap(), Some(C as u64));
    let mut src = &plain[C..];
    let (off, info) = blobs.resumable_append(&env.kek, "u/restart", total, C as u64, &mut src).await.unwrap();
    assert_eq!((off, info.is_some()), (total, true));
    assert_eq!(std::fs::read_dir(env.local().partial_dir()).unwrap().count(), 0);
    assert_eq!(temp_files(env.local()), 0);
}

#[tokio::test]
async fn bad_keys_are_refused_before_any_io() {
    let env = env().await;
    for key in ["../etc/passwd", "/abs", "a/../../b", "A", "a\0b", "a/./b", ""] {
        let mut src: &[u8] = b"x";
        assert!(matches!(env.local().put(key, &mut src).await, Err(Error::InvalidKey(_))));
        assert!(matches!(env.local().partial_create(key, b"h").await, Err(Error::InvalidKey(_))));
    }
    assert_eq!(temp_files(env.local()), 0);
    assert_eq!(std::fs::read_dir(env.local().partial_dir()).unwrap().count(), 0);
}
