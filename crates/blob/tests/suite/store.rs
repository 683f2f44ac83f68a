//! The raw `BlobStore` contract: objects, short reads, key validation,
//! atomic visibility, and the in-progress (`partial_*`) objects.

use bytes::Bytes;
use suveren_blob::Error;
use tokio::io::AsyncReadExt;

use crate::common::*;

async fn read(env: &Env, key: &str, offset: u64, len: Option<u64>) -> suveren_blob::Result<Vec<u8>> {
    let mut out = Vec::new();
    env.store.read_range(key, offset, len).await?.read_to_end(&mut out).await?;
    Ok(out)
}

pub async fn raw_store_operations(env: &Env) {
    let s = &env.store;
    let mut src: &[u8] = b"0123456789";
    assert_eq!(s.put("a/b-c/9", &mut src).await.unwrap(), 10);
    assert!(s.exists("a/b-c/9").await.unwrap());
    assert_eq!(s.size("a/b-c/9").await.unwrap(), 10);
    assert_eq!(read(env, "a/b-c/9", 3, Some(4)).await.unwrap(), b"3456");
    assert_eq!(read(env, "a/b-c/9", 0, None).await.unwrap(), b"0123456789");
    assert_eq!(read(env, "a/b-c/9", 7, None).await.unwrap(), b"789");
    // "a/b" and "a-b" must be different objects.
    let mut src: &[u8] = b"x";
    s.put("a-b-c/9", &mut src).await.unwrap();
    assert_eq!(s.size("a/b-c/9").await.unwrap(), 10);
    // A put replaces.
    let mut src: &[u8] = b"new";
    assert_eq!(s.put("a-b-c/9", &mut src).await.unwrap(), 3);
    assert_eq!(read(env, "a-b-c/9", 0, None).await.unwrap(), b"new");
    assert!(s.delete("a/b-c/9").await.unwrap());
    assert!(!s.delete("a/b-c/9").await.unwrap());
    assert!(!s.exists("a/b-c/9").await.unwrap());
    assert!(matches!(s.size("a/b-c/9").await, Err(Error::NotFound)));
    assert!(matches!(s.read_range("a/b-c/9", 0, None).await, Err(Error::NotFound)));
    assert!(matches!(s.read_range("a/b-c/9", 5, Some(3)).await, Err(Error::NotFound)));
    assert!(matches!(s.read_range("a/b-c/9", 0, Some(0)).await, Err(Error::NotFound)));
    // An empty object.
    let mut src: &[u8] = b"";
    assert_eq!(s.put("e/0", &mut src).await.unwrap(), 0);
    assert!(s.exists("e/0").await.unwrap());
    assert_eq!(s.size("e/0").await.unwrap(), 0);
    assert!(read(env, "e/0", 0, None).await.unwrap().is_empty());
    assert!(read(env, "e/0", 0, Some(10)).await.unwrap().is_empty());
}

/// A range past the end is a short read, as S3 (after its 416) gives.
pub async fn short_reads_past_the_end(env: &Env) {
    let mut src: &[u8] = b"0123456789";
    env.store.put("s/r", &mut src).await.unwrap();
    assert_eq!(read(env, "s/r", 8, Some(100)).await.unwrap(), b"89");
    assert!(read(env, "s/r", 10, None).await.unwrap().is_empty());
    assert!(read(env, "s/r", 10, Some(5)).await.unwrap().is_empty());
    assert!(read(env, "s/r", 500, None).await.unwrap().is_empty());
    assert!(read(env, "s/r", 500, Some(1)).await.unwrap().is_empty());
    assert!(read(env, "s/r", 3, Some(0)).await.unwrap().is_empty());
    assert!(read(env, "s/r", 1 << 40, Some(1 << 40)).await.unwrap().is_empty());
}

pub async fn bad_keys_are_refused(env: &Env) {
    for key in ["../etc/passwd", "/abs", "a/../../b", "A", "a\0b", "a/./b", "", "a.b", "a//b", "a/"] {
        let mut src: &[u8] = b"x";
        assert!(matches!(env.store.put(key, &mut src).await, Err(Error::InvalidKey(_))), "{key:?}");
        assert!(matches!(env.store.exists(key).await, Err(Error::InvalidKey(_))));
        assert!(matches!(env.store.size(key).await, Err(Error::InvalidKey(_))));
        assert!(matches!(env.store.delete(key).await, Err(Error::InvalidKey(_))));
        assert!(matches!(env.store.read_range(key, 0, None).await, Err(Error::InvalidKey(_))));
        let mut src: &[u8] = b"x";
        assert!(matches!(env.blobs.put(&env.kek, key, &mut src).await, Err(Error::InvalidKey(_))));
    }
}

pub async fn failed_source_leaves_nothing_visible(env: &Env) {
    let mut src = FailingReader { good: 3 * C + 10 };
    let err = env.blobs.put(&env.kek, "t/half", &mut src).await.unwrap_err();
    assert!(matches!(err, Error::Io(_)), "{err:?}");
    assert!(!env.store.exists("t/half").await.unwrap());
    // Past the first 8 MiB: on S3 a multipart upload, aborted.
    let mut src = FailingReader { good: 19 * 1024 * 1024 };
    assert!(env.store.put("t/half-large", &mut src).await.is_err());
    assert!(!env.store.exists("t/half-large").await.unwrap());

    // Over an existing object: the old version stays, intact.
    let old = data(C + 3, 1);
    put(env, "t/keep", &old).await;
    let mut src = FailingReader { good: 5 * C };
    assert!(env.blobs.put(&env.kek, "t/keep", &mut src).await.is_err());
    assert_eq!(env.blobs.read_all(&env.kek, "t/keep").await.unwrap(), old);
    let mut src = FailingReader { good: 17 * 1024 * 1024 };
    assert!(env.blobs.put(&env.kek, "t/keep", &mut src).await.is_err());
    assert_eq!(env.blobs.read_all(&env.kek, "t/keep").await.unwrap(), old);

    let reopened = env.reopen().await;
    assert!(!reopened.exists("t/half").await.unwrap());
    assert!(reopened.partial_list().await.unwrap().is_empty());
}

pub async fn raw_partial_operations(env: &Env) {
    let s = &env.store;
    assert_eq!(s.partial_len("r/x").await.unwrap(), None);
    s.partial_create("r/x", b"head").await.unwrap();
    assert!(matches!(s.partial_create("r/x", b"other").await, Err(Error::UploadExists)));
    assert_eq!(s.partial_len("r/x").await.unwrap(), Some(4));
    // A stale writer (wrong length) is refused, not interleaved.
    assert!(matches!(s.partial_append("r/x", 3, "late".into()).await, Err(Error::UploadBusy)));
    s.partial_append("r/x", 4, "-body".into()).await.unwrap();
    assert!(matches!(s.partial_append("r/x", 4, "-again".into()).await, Err(Error::UploadBusy)));
    assert!(matches!(s.partial_append("r/x", 20, "ahead".into()).await, Err(Error::UploadBusy)));
    assert_eq!(s.partial_len("r/x").await.unwrap(), Some(9));
    // An empty append changes nothing.
    s.partial_append("r/x", 9, Bytes::new()).await.unwrap();
    assert_eq!(s.partial_len("r/x").await.unwrap(), Some(9));
    assert_eq!(s.partial_read_head("r/x", 4).await.unwrap(), b"head");
    assert_eq!(s.partial_read_head("r/x", 2).await.unwrap(), b"he");
    // The first bytes of the in-progress object, past the head too.
    assert_eq!(s.partial_read_head("r/x", 9).await.unwrap(), b"head-body");
    assert!(s.partial_read_head("r/x", 10).await.is_err());
    assert!(s.partial_truncate("r/x", 10).await.is_err(), "truncate must not grow");
    s.partial_truncate("r/x", 6).await.unwrap();
    assert_eq!(s.partial_len("r/x").await.unwrap(), Some(6));
    s.partial_append("r/x", 6, "!".into()).await.unwrap();
    // Invisible until committed.
    assert!(!s.exists("r/x").await.unwrap());
    assert!(matches!(s.read_range("r/x", 0, None).await, Err(Error::NotFound)));
    // The head is rewritten in place, compared first.
    assert!(matches!(s.partial_rewrite_head("r/x", b"HEAD", b"hEAd").await, Err(Error::Changed)));
    s.partial_rewrite_head("r/x", b"he", b"HE").await.unwrap();
    assert_eq!(s.partial_read_head("r/x", 4).await.unwrap(), b"HEad");
    let listed: Vec<String> = s.partial_list().await.unwrap().into_iter().map(|(k, _)| k).collect();
    assert_eq!(listed, ["r/x"]);
    s.partial_commit("r/x").await.unwrap();
    assert_eq!(s.size("r/x").await.unwrap(), 7);
    assert_eq!(read(env, "r/x", 0, None).await.unwrap(), b"HEad-b!");
    assert_eq!(s.partial_len("r/x").await.unwrap(), None);
    assert!(matches!(s.partial_commit("r/x").await, Err(Error::NotFound)));
    assert!(matches!(s.partial_append("r/x", 7, "x".into()).await, Err(Error::NotFound)));
    assert!(matches!(s.partial_read_head("r/x", 1).await, Err(Error::NotFound)));
    assert!(!s.partial_delete("r/x").await.unwrap());
    assert!(s.partial_list().await.unwrap().is_empty());
    // A second upload under the committed key, then aborted: the committed
    // object is untouched.
    s.partial_create("r/x", b"h2").await.unwrap();
    s.partial_append("r/x", 2, "zz".into()).await.unwrap();
    assert!(s.partial_delete("r/x").await.unwrap());
    assert_eq!(s.partial_len("r/x").await.unwrap(), None);
    assert_eq!(read(env, "r/x", 0, None).await.unwrap(), b"HEad-b!");
    assert!(s.partial_list().await.unwrap().is_empty());
    for key in ["../etc/passwd", "A", "a//b", "", "a.b"] {
        assert!(matches!(s.partial_create(key, b"h").await, Err(Error::InvalidKey(_))));
        assert!(matches!(s.partial_len(key).await, Err(Error::InvalidKey(_))));
        assert!(matches!(s.partial_delete(key).await, Err(Error::InvalidKey(_))));
        assert!(matches!(env.blobs.resumable_begin(&env.kek, key, 1).await, Err(Error::InvalidKey(_))));
    }
}

/// Cuts at every kind of place: inside the head, at a boundary between
/// appends, inside an append; and uploads under nested keys stay apart.
pub async fn partial_truncate_cuts_anywhere(env: &Env) {
    let s = &env.store;
    s.partial_create("q/a", b"HEAD").await.unwrap();
    for (at, piece) in [(4, "0123"), (8, "4567"), (12, "89")] {
        s.partial_append("q/a", at, piece.into()).await.unwrap();
    }
    // Another upload whose key extends this one's.
    s.partial_create("q/a/b", b"other").await.unwrap();
    s.partial_append("q/a/b", 5, "-more".into()).await.unwrap();

    s.partial_truncate("q/a", 14).await.unwrap();
    assert_eq!(s.partial_len("q/a").await.unwrap(), Some(14));
    s.partial_truncate("q/a", 10).await.unwrap();
    assert_eq!(s.partial_len("q/a").await.unwrap(), Some(10));
    assert_eq!(s.partial_read_head("q/a", 10).await.unwrap(), b"HEAD012345");
    s.partial_truncate("q/a", 8).await.unwrap();
    assert_eq!(s.partial_len("q/a").await.unwrap(), Some(8));
    s.partial_append("q/a", 8, "xy".into()).await.unwrap();
    assert_eq!(s.partial_read_head("q/a", 10).await.unwrap(), b"HEAD0123xy");
    s.partial_truncate("q/a", 2).await.unwrap();
    assert_eq!(s.partial_len("q/a").await.unwrap(), Some(2));
    s.partial_append("q/a", 2, "!".into()).await.unwrap();
    s.partial_commit("q/a").await.unwrap();
    assert_eq!(read(env, "q/a", 0, None).await.unwrap(), b"HE!");

    assert_eq!(s.partial_len("q/a/b").await.unwrap(), Some(10));
    let listed: Vec<String> = s.partial_list().await.unwrap().into_iter().map(|(k, _)| k).collect();
    assert_eq!(listed, ["q/a/b"]);
    s.partial_commit("q/a/b").await.unwrap();
    assert_eq!(read(env, "q/a/b", 0, None).await.unwrap(), b"other-more");
    assert_eq!(read(env, "q/a", 0, None).await.unwrap(), b"HE!");
}
