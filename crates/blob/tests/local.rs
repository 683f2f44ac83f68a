//! `LocalFolder`: atomic visibility, crash sweep, key validation.

mod common;

use std::time::Duration;

use common::*;
use suveren_blob::{BlobStore, Error, LocalFolder};
use tokio::io::AsyncReadExt;

fn temp_files(store: &LocalFolder) -> usize {
    std::fs::read_dir(store.temp_dir()).unwrap().count()
}

#[tokio::test]
async fn failed_source_leaves_nothing_visible() {
    let env = env().await;
    let mut src = FailingReader { good: 3 * C + 10 };
    let err = env.blobs.put(&env.kek, "t/half", &mut src).await.unwrap_err();
    assert!(matches!(err, Error::Io(_)), "{err:?}");
    assert!(!env.local.exists("t/half").await.unwrap());
    assert_eq!(temp_files(&env.local), 0);

    // Over an existing object: the old version stays, intact.
    let old = data(C + 3, 1);
    put(&env, "t/keep", &old).await;
    let mut src = FailingReader { good: 5 * C };
    assert!(env.blobs.put(&env.kek, "t/keep", &mut src).await.is_err());
    assert_eq!(env.blobs.read_all(&env.kek, "t/keep").await.unwrap(), old);

    let reopened = LocalFolder::open(env.dir.path()).await.unwrap();
    assert!(!reopened.exists("t/half").await.unwrap());
    assert_eq!(temp_files(&reopened), 0);
}

#[tokio::test]
async fn cancelled_put_removes_its_temp_file() {
    let env = env().await;
    // 100 KB, then a source that never answers; the timeout drops the put.
    let mut src = tokio::io::repeat(7).take(100_000).chain(Generator::new(0).chain(Stalled));
    let put = env.local.put("t/stalled", &mut src);
    assert!(tokio::time::timeout(Duration::from_millis(300), put).await.is_err());
    assert!(!env.local.exists("t/stalled").await.unwrap());
    assert_eq!(temp_files(&env.local), 0);
}

struct Stalled;

impl tokio::io::AsyncRead for Stalled {
    fn poll_read(
        self: std::pin::Pin<&mut Self>,
        _cx: &mut std::task::Context<'_>,
        _buf: &mut tokio::io::ReadBuf<'_>,
    ) -> std::task::Poll<std::io::Result<()>> {
        std::task::Poll::Pending
    }
}

#[tokio::test]
async fn open_sweeps_temp_files_left_by_a_crash() {
    let env = env().await;
    put(&env, "t/kept", b"survivor").await;
    // What a SIGKILL between create and rename leaves behind.
    std::fs::write(env.local.temp_dir().join("0123abcd.tmp"), b"half a blob").unwrap();
    assert_eq!(temp_files(&env.local), 1);
    let reopened = LocalFolder::open(env.dir.path()).await.unwrap();
    assert_eq!(temp_files(&reopened), 0);
    assert!(reopened.exists("t/kept").await.unwrap());
}

#[tokio::test]
async fn raw_store_operations() {
    let env = env().await;
    let s = &env.local;
    let mut src: &[u8] = b"0123456789";
    assert_eq!(s.put("a/b-c/9", &mut src).await.unwrap(), 10);
    assert!(s.exists("a/b-c/9").await.unwrap());
    assert_eq!(s.size("a/b-c/9").await.unwrap(), 10);
    let mut out = String::new();
    s.read_range("a/b-c/9", 3, Some(4)).await.unwrap().read_to_string(&mut out).await.unwrap();
    assert_eq!(out, "3456");
    // "a/b" and "a-b" must be different objects.
    let mut src: &[u8] = b"x";
    s.put("a-b-c/9", &mut src).await.unwrap();
    assert_eq!(s.size("a/b-c/9").await.unwrap(), 10);
    assert!(s.delete("a/b-c/9").await.unwrap());
    assert!(!s.delete("a/b-c/9").await.unwrap());
    assert!(matches!(s.size("a/b-c/9").await, Err(Error::NotFound)));
    assert!(matches!(s.read_range("a/b-c/9", 0, None).await, Err(Error::NotFound)));
}

#[tokio::test]
async fn bad_keys_are_refused_before_any_io() {
    let env = env().await;
    for key in ["../etc/passwd", "/abs", "a/../../b", "A", "a\0b", "a/./b", ""] {
        let mut src: &[u8] = b"x";
        assert!(matches!(env.local.put(key, &mut src).await, Err(Error::InvalidKey(_))));
        assert!(matches!(env.local.exists(key).await, Err(Error::InvalidKey(_))));
        let mut src: &[u8] = b"x";
        assert!(matches!(env.blobs.put(&env.kek, key, &mut src).await, Err(Error::InvalidKey(_))));
    }
    assert_eq!(temp_files(&env.local), 0);
}
