//! Round trips and range reads: what goes in comes out, byte for byte, and
//! never in the clear on disk.

mod common;

use common::*;
use proptest::prelude::*;
use sha2::{Digest, Sha256};
use suveren_blob::{BlobStore, Error};

#[tokio::test]
async fn round_trip_at_chunk_boundaries() {
    let env = env().await;
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

#[tokio::test]
async fn disk_holds_no_plaintext() {
    let env = env().await;
    let marker = b"SUVEREN-PLAINTEXT-MARKER";
    let plain: Vec<u8> = marker.iter().copied().cycle().take(3 * C).collect();
    put(&env, "t/secret", &plain).await;
    let raw = std::fs::read(object_path(env.dir.path(), "t/secret")).unwrap();
    assert!(raw.starts_with(b"SVBLOB1\x02"));
    assert!(!raw.windows(marker.len()).any(|w| w == marker));
    assert!(!raw.windows(8).any(|w| w == &marker[..8]));
}

#[tokio::test]
async fn range_bounds_and_empty_ranges() {
    let env = env().await;
    let plain = data(2 * C + 5, 9);
    put(&env, "t/r", &plain).await;
    let size = plain.len() as u64;
    assert!(read_range(&env, &env.kek, "t/r", size, 0).await.unwrap().is_empty());
    assert!(read_range(&env, &env.kek, "t/r", 0, 0).await.unwrap().is_empty());
    assert!(matches!(read_range(&env, &env.kek, "t/r", size - 1, 2).await, Err(Error::RangeOutOfBounds { .. })));
    assert!(matches!(read_range(&env, &env.kek, "t/r", u64::MAX, 2).await, Err(Error::RangeOutOfBounds { .. })));
    assert!(matches!(env.blobs.read_range(&env.kek, "t/none", 0, 0).await, Err(Error::NotFound)));
    assert!(env.blobs.delete("t/r").await.unwrap());
    assert!(!env.local.exists("t/r").await.unwrap());
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    /// Any range of any blob equals the plaintext slice, across chunk edges.
    #[test]
    fn range_reads_equal_the_slice(
        size in prop_oneof![0usize..300, (C - 300)..(C + 300), 0usize..(4 * C + 1000)],
        a in any::<prop::sample::Index>(),
        b in any::<prop::sample::Index>(),
        seed in any::<u64>(),
    ) {
        let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        rt.block_on(async {
            let env = env().await;
            let plain = data(size, seed);
            put(&env, "p/blob", &plain).await;
            let (mut lo, mut hi) = (a.index(size + 1), b.index(size + 1));
            if lo > hi {
                std::mem::swap(&mut lo, &mut hi);
            }
            let got = read_range(&env, &env.kek, "p/blob", lo as u64, (hi - lo) as u64)
                .await
                .unwrap();
            prop_assert_eq!(&got[..], &plain[lo..hi]);
            Ok(())
        })?;
    }
}
