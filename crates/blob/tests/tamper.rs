//! Tampering and wrong keys: every manipulation of a blob ends in an error,
//! never in wrong plaintext.

mod common;

use std::fs;
use std::os::unix::fs::FileExt;

use common::*;
use suveren_blob::{Error, TenantKek};

const HEADER: usize = 100;
const STRIDE: usize = C + 16;

/// A read of the whole blob, and one of a small range from `at`, must fail.
async fn assert_refused(env: &Env, key: &str, what: &str) {
    assert_refused_at(env, key, what, 1).await;
}

async fn assert_refused_at(env: &Env, key: &str, what: &str, at: u64) {
    let all = match env.blobs.plaintext_len(key).await {
        Ok(len) => read_range(env, &env.kek, key, 0, len).await,
        Err(e) => Err(e),
    };
    assert!(all.is_err(), "{what}: whole read succeeded");
    let part = read_range(env, &env.kek, key, at, 10).await;
    assert!(part.is_err(), "{what}: range read succeeded");
}

#[tokio::test]
async fn flipped_bytes_are_detected_everywhere() {
    let env = env().await;
    let plain = data(2 * C + 100, 1);
    put(&env, "t/flip", &plain).await;
    let path = object_path(env.dir.path(), "t/flip");
    let orig = fs::read(&path).unwrap();
    let positions = [
        0,                    // magic
        7,                    // version
        10,                   // chunk size
        12,                   // nonce prefix
        40,                   // wrapped data key
        99,                   // last header byte
        HEADER + 5,           // chunk 0 ciphertext
        HEADER + C + 3,       // chunk 0 tag
        HEADER + STRIDE + 77, // chunk 1
        orig.len() - 1,       // last chunk tag
    ];
    for pos in positions {
        let mut bad = orig.clone();
        bad[pos] ^= 0x01;
        fs::write(&path, &bad).unwrap();
        // A range inside the damaged chunk (any range, for header damage).
        let at = pos.saturating_sub(HEADER) / STRIDE * C;
        assert_refused_at(&env, "t/flip", &format!("flip at {pos}"), at as u64).await;
    }
    fs::write(&path, &orig).unwrap();
    assert_eq!(env.blobs.read_all(&env.kek, "t/flip").await.unwrap(), plain);
}

#[tokio::test]
async fn truncation_and_extension_are_detected() {
    let env = env().await;
    let plain = data(3 * C, 2);
    put(&env, "t/trunc", &plain).await;
    let path = object_path(env.dir.path(), "t/trunc");
    let orig = fs::read(&path).unwrap();
    assert_eq!(orig.len(), HEADER + 3 * STRIDE);

    // Drop the whole last chunk: the new last chunk was not sealed as last.
    fs::write(&path, &orig[..HEADER + 2 * STRIDE]).unwrap();
    assert_refused(&env, "t/trunc", "last chunk removed").await;
    // Even a range far from the end notices.
    assert!(read_range(&env, &env.kek, "t/trunc", 0, 1).await.is_err());

    // Cut inside a chunk.
    fs::write(&path, &orig[..orig.len() - 1000]).unwrap();
    assert_refused(&env, "t/trunc", "cut mid-chunk").await;

    // Append a copy of a chunk.
    let mut longer = orig.clone();
    longer.extend_from_slice(&orig[HEADER..HEADER + STRIDE]);
    fs::write(&path, &longer).unwrap();
    assert_refused(&env, "t/trunc", "chunk appended").await;

    // Header only.
    fs::write(&path, &orig[..HEADER]).unwrap();
    assert!(env.blobs.read_all(&env.kek, "t/trunc").await.is_err());
}

#[tokio::test]
async fn swapped_chunks_are_detected() {
    let env = env().await;
    put(&env, "t/swap", &data(3 * C, 3)).await;
    let path = object_path(env.dir.path(), "t/swap");
    let orig = fs::read(&path).unwrap();
    let mut bad = orig.clone();
    bad[HEADER..HEADER + STRIDE].copy_from_slice(&orig[HEADER + STRIDE..HEADER + 2 * STRIDE]);
    bad[HEADER + STRIDE..HEADER + 2 * STRIDE].copy_from_slice(&orig[HEADER..HEADER + STRIDE]);
    fs::write(&path, &bad).unwrap();
    assert_refused(&env, "t/swap", "chunks 0 and 1 swapped").await;
    assert!(read_range(&env, &env.kek, "t/swap", C as u64 + 5, 10).await.is_err());
}

#[tokio::test]
async fn headers_and_chunks_do_not_move_between_blobs() {
    let env = env().await;
    put(&env, "t/a", &data(2 * C, 4)).await;
    put(&env, "t/b", &data(2 * C, 5)).await;
    let (pa, pb) = (object_path(env.dir.path(), "t/a"), object_path(env.dir.path(), "t/b"));
    let (a, b) = (fs::read(&pa).unwrap(), fs::read(&pb).unwrap());

    // B's wrapped data key in A's header.
    let file = fs::OpenOptions::new().write(true).open(&pa).unwrap();
    file.write_all_at(&b[28..HEADER], 28).unwrap();
    assert_refused(&env, "t/a", "wrapped key from another blob").await;

    // B's whole header on A.
    file.write_all_at(&b[..HEADER], 0).unwrap();
    assert_refused(&env, "t/a", "header from another blob").await;

    // B entirely under A's key: bound to B's key, so refused.
    fs::write(&pa, &b).unwrap();
    assert_refused(&env, "t/a", "object copied under another key").await;

    // A's header with B's first chunk.
    let mut mixed = a.clone();
    mixed[HEADER..HEADER + STRIDE].copy_from_slice(&b[HEADER..HEADER + STRIDE]);
    fs::write(&pa, &mixed).unwrap();
    assert_refused(&env, "t/a", "chunk from another blob").await;

    fs::write(&pa, &a).unwrap();
    assert!(env.blobs.read_all(&env.kek, "t/a").await.is_ok());
}

#[tokio::test]
async fn another_tenants_kek_cannot_read() {
    let env = env().await;
    put(&env, "t/mine", &data(1000, 6)).await;
    let other = TenantKek::generate("sorvik");
    assert!(matches!(read_range(&env, &other, "t/mine", 0, 10).await, Err(Error::Corrupt(_))));
    // Same tenant name, different key: still refused.
    let impostor = TenantKek::generate("nordvik");
    assert!(read_range(&env, &impostor, "t/mine", 0, 10).await.is_err());
}
