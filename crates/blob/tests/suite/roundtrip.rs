//! Round trips and range reads: what goes in comes out, byte for byte, and
//! is never stored in the clear.

use proptest::prelude::*;
use sha2::{Digest, Sha256};
use suveren_blob::Error;

use crate::common::*;

pub async fn round_trip_at_chunk_boundaries(env: &Env) {
    for (i, size) in [0, 1, C - 1, C, C + 1, 2 * C, 3 * 1024 * 1024 + 17].into_iter().enumerate() {
        let plain = data(size, i as u64);
        let key = format!("t/rt-{i}");
        let mut src = &plain[..];
        let info = env.blobs.put(&env.kek, &key, &mut src).await.unwrap();
        assert_eq!(info.size, size as u64);
        assert_eq!(info.sha256, <[u8; 32]>::from(Sha256::digest(&plain)));
        assert_eq!(env.blobs.plaintext_len(&key).await.unwrap(), size as u64);
        let back = env.blobs.read_all(&env.kek, &key).await.unwrap();
        assert!(back == plain, "size {size}: round trip differs");
    }
}

pub async fn disk_holds_no_plaintext(env: &Env) {
    let marker = b"SUVEREN-PLAINTEXT-MARKER";
    let plain: Vec<u8> = marker.iter().copied().cycle().take(3 * C).collect();
    put(env, "t/secret", &plain).await;
    let raw = env.raw("t/secret").await;
    assert!(raw.starts_with(b"SVBLOB1\x02"));
    assert!(!raw.windows(marker.len()).any(|w| w == marker));
    // Nothing anywhere in the store, not only in the object.
    for stored in env.everything_stored().await {
        assert!(!stored.windows(8).any(|w| w == &marker[..8]));
    }
}

pub async fn range_bounds_and_empty_ranges(env: &Env) {
    let plain = data(2 * C + 5, 9);
    put(env, "t/r", &plain).await;
    let size = plain.len() as u64;
    assert!(read_range(env, &env.kek, "t/r", size, 0).await.unwrap().is_empty());
    assert!(read_range(env, &env.kek, "t/r", 0, 0).await.unwrap().is_empty());
    assert!(matches!(read_range(env, &env.kek, "t/r", size - 1, 2).await, Err(Error::RangeOutOfBounds { .. })));
    assert!(matches!(read_range(env, &env.kek, "t/r", u64::MAX, 2).await, Err(Error::RangeOutOfBounds { .. })));
    assert!(matches!(env.blobs.read_range(&env.kek, "t/none", 0, 0).await, Err(Error::NotFound)));
    assert!(env.blobs.delete("t/r").await.unwrap());
    assert!(!env.store.exists("t/r").await.unwrap());
}

/// Any range of any blob equals the plaintext slice, across chunk edges.
pub async fn range_reads_equal_the_slice(env: &Env) {
    let strategy = (
        prop_oneof![0usize..300, (C - 300)..(C + 300), 0usize..(4 * C + 1000)],
        any::<prop::sample::Index>(),
        any::<prop::sample::Index>(),
        any::<u64>(),
    );
    crate::suite::check(64, strategy, |(size, a, b, seed)| async move {
        let plain = data(size, seed);
        put(env, "p/blob", &plain).await;
        let (mut lo, mut hi) = (a.index(size + 1), b.index(size + 1));
        if lo > hi {
            std::mem::swap(&mut lo, &mut hi);
        }
        let got = read_range(env, &env.kek, "p/blob", lo as u64, (hi - lo) as u64).await.unwrap();
        prop_assert_eq!(&got[..], &plain[lo..hi]);
        Ok(())
    });
}
