//! Tampering and wrong keys: every manipulation of a stored blob ends in
//! an error, never in wrong plaintext.

use suveren_blob::{Error, TenantKek};

use crate::common::*;

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

pub async fn flipped_bytes_are_detected_everywhere(env: &Env) {
    let plain = data(2 * C + 100, 1);
    put(env, "t/flip", &plain).await;
    let orig = env.raw("t/flip").await;
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
        env.set_raw("t/flip", &bad).await;
        // A range inside the damaged chunk (any range, for header damage).
        let at = pos.saturating_sub(HEADER) / STRIDE * C;
        assert_refused_at(env, "t/flip", &format!("flip at {pos}"), at as u64).await;
    }
    env.set_raw("t/flip", &orig).await;
    assert_eq!(env.blobs.read_all(&env.kek, "t/flip").await.unwrap(), plain);
}

pub async fn truncation_and_extension_are_detected(env: &Env) {
    let plain = data(3 * C, 2);
    put(env, "t/trunc", &plain).await;
    let orig = env.raw("t/trunc").await;
    assert_eq!(orig.len(), HEADER + 3 * STRIDE);

    // Drop the whole last chunk: the new last chunk was not sealed as last.
    env.set_raw("t/trunc", &orig[..HEADER + 2 * STRIDE]).await;
    assert_refused(env, "t/trunc", "last chunk removed").await;
    // Even a range far from the end notices.
    assert!(read_range(env, &env.kek, "t/trunc", 0, 1).await.is_err());

    // Cut inside a chunk.
    env.set_raw("t/trunc", &orig[..orig.len() - 1000]).await;
    assert_refused(env, "t/trunc", "cut mid-chunk").await;

    // Append a copy of a chunk.
    let mut longer = orig.clone();
    longer.extend_from_slice(&orig[HEADER..HEADER + STRIDE]);
    env.set_raw("t/trunc", &longer).await;
    assert_refused(env, "t/trunc", "chunk appended").await;

    // Header only.
    env.set_raw("t/trunc", &orig[..HEADER]).await;
    assert!(env.blobs.read_all(&env.kek, "t/trunc").await.is_err());
}

pub async fn swapped_chunks_are_detected(env: &Env) {
    put(env, "t/swap", &data(3 * C, 3)).await;
    let orig = env.raw("t/swap").await;
    let mut bad = orig.clone();
    bad[HEADER..HEADER + STRIDE].copy_from_slice(&orig[HEADER + STRIDE..HEADER + 2 * STRIDE]);
    bad[HEADER + STRIDE..HEADER + 2 * STRIDE].copy_from_slice(&orig[HEADER..HEADER + STRIDE]);
    env.set_raw("t/swap", &bad).await;
    assert_refused(env, "t/swap", "chunks 0 and 1 swapped").await;
    assert!(read_range(env, &env.kek, "t/swap", C as u64 + 5, 10).await.is_err());
}

pub async fn headers_and_chunks_do_not_move_between_blobs(env: &Env) {
    put(env, "t/a", &data(2 * C, 4)).await;
    put(env, "t/b", &data(2 * C, 5)).await;
    let (a, b) = (env.raw("t/a").await, env.raw("t/b").await);

    // B's wrapped data key in A's header.
    let mut bad = a.clone();
    bad[28..HEADER].copy_from_slice(&b[28..HEADER]);
    env.set_raw("t/a", &bad).await;
    assert_refused(env, "t/a", "wrapped key from another blob").await;

    // B's whole header on A.
    let mut bad = a.clone();
    bad[..HEADER].copy_from_slice(&b[..HEADER]);
    env.set_raw("t/a", &bad).await;
    assert_refused(env, "t/a", "header from another blob").await;

    // B entirely under A's key: bound to B's key, so refused.
    env.set_raw("t/a", &b).await;
    assert_refused(env, "t/a", "object copied under another key").await;

    // A's header with B's first chunk.
    let mut mixed = a.clone();
    mixed[HEADER..HEADER + STRIDE].copy_from_slice(&b[HEADER..HEADER + STRIDE]);
    env.set_raw("t/a", &mixed).await;
    assert_refused(env, "t/a", "chunk from another blob").await;

    env.set_raw("t/a", &a).await;
    assert!(env.blobs.read_all(&env.kek, "t/a").await.is_ok());
}

pub async fn another_tenants_kek_cannot_read(env: &Env) {
    put(env, "t/mine", &data(1000, 6)).await;
    let other = TenantKek::generate("sorvik");
    assert!(matches!(read_range(env, &other, "t/mine", 0, 10).await, Err(Error::Corrupt(_))));
    // Same tenant name, different key: still refused.
    let impostor = TenantKek::generate("nordvik");
    assert!(read_range(env, &impostor, "t/mine", 0, 10).await.is_err());
}
