//! Resumable uploads: chunk-rounded offsets, invisibility until complete,
//! resume after a restart and after a torn write, and blobs identical in
//! format to `put`.

use std::pin::pin;
use std::time::{Duration, SystemTime};

use proptest::prelude::*;
use sha2::{Digest, Sha256};
use suveren_blob::{BlobInfo, EncryptedBlobs, Error, TenantKek};

use crate::common::*;

const HEADER: u64 = 100;
const STRIDE: u64 = C as u64 + 16;

async fn append(
    env: &Env,
    key: &str,
    total: usize,
    offset: u64,
    bytes: &[u8],
) -> suveren_blob::Result<(u64, Option<BlobInfo>)> {
    let mut src = bytes;
    env.blobs.resumable_append(&env.kek, key, total as u64, offset, &mut src).await
}

/// Sends `plain[offset..cut]` for each cut, as a tus client resending from
/// each returned offset, then the rest; checks every answer on the way.
async fn upload(env: &Env, key: &str, plain: &[u8], cuts: &[usize]) -> BlobInfo {
    let total = plain.len();
    env.blobs.resumable_begin(&env.kek, key, total as u64).await.unwrap();
    let mut offset = 0u64;
    for &cut in cuts.iter().chain([&total]) {
        let end = cut.max(offset as usize);
        let (next, info) = append(env, key, total, offset, &plain[offset as usize..end]).await.unwrap();
        if let Some(info) = info {
            assert_eq!(end, total, "completed before the last byte");
            assert_eq!(next, total as u64);
            return info;
        }
        assert!(next % C as u64 == 0, "offset {next} not on a chunk boundary");
        assert!(next <= end as u64 && end as u64 - next < C as u64, "offset {next} after sending to {end}");
        assert!(next >= offset);
        offset = next;
    }
    panic!("the upload never completed");
}

fn object_size(len: usize) -> u64 {
    HEADER + len as u64 + 16 * (len.div_ceil(C).max(1) as u64)
}

async fn stored_so_far(env: &Env, key: &str) -> u64 {
    env.store.partial_len(key).await.unwrap().expect("an upload in progress")
}

async fn assert_invisible(env: &Env, key: &str) {
    assert!(!env.store.exists(key).await.unwrap());
    assert!(matches!(env.store.size(key).await, Err(Error::NotFound)));
    assert!(matches!(env.store.read_range(key, 0, None).await, Err(Error::NotFound)));
    assert!(matches!(env.blobs.read_all(&env.kek, key).await, Err(Error::NotFound)));
}

pub async fn odd_sized_appends_round_trip_with_chunk_rounded_offsets(env: &Env) {
    let plain = data(5 * C + 12_345, 1);
    let total = plain.len();
    env.blobs.resumable_begin(&env.kek, "u/odd", total as u64).await.unwrap();
    assert_eq!(env.blobs.resumable_offset("u/odd", total as u64).await.unwrap(), Some(0));

    // 100 KiB: one chunk stored, 36 KiB dropped.
    assert_eq!(append(env, "u/odd", total, 0, &plain[..100 * 1024]).await.unwrap(), (C as u64, None));
    assert_invisible(env, "u/odd").await;
    // One byte: nothing stored.
    assert_eq!(append(env, "u/odd", total, C as u64, &plain[C..C + 1]).await.unwrap(), (C as u64, None));
    // 200 KiB: to 264 KiB, stored up to 256 KiB.
    let (off, info) = append(env, "u/odd", total, C as u64, &plain[C..C + 200 * 1024]).await.unwrap();
    assert_eq!((off, info), (4 * C as u64, None));
    assert_eq!(stored_so_far(env, "u/odd").await, HEADER + 4 * STRIDE);
    assert_eq!(env.blobs.resumable_offset("u/odd", total as u64).await.unwrap(), Some(4 * C as u64));
    assert_invisible(env, "u/odd").await;

    let (off, info) = append(env, "u/odd", total, off, &plain[4 * C..]).await.unwrap();
    assert_eq!(off, total as u64);
    let info = info.expect("complete");
    assert_eq!(info.size, total as u64);
    assert_eq!(info.sha256, <[u8; 32]>::from(Sha256::digest(&plain)));
    assert!(env.store.exists("u/odd").await.unwrap());
    assert_eq!(env.stored_size("u/odd").await, object_size(total));
    assert_eq!(env.blobs.plaintext_len("u/odd").await.unwrap(), total as u64);
    assert!(env.blobs.read_all(&env.kek, "u/odd").await.unwrap() == plain);
    assert_eq!(read_range(env, &env.kek, "u/odd", C as u64 - 3, 10).await.unwrap(), &plain[C - 3..C + 7]);
    // Nothing left behind.
    assert!(env.store.partial_list().await.unwrap().is_empty());
    assert_eq!(env.store.partial_len("u/odd").await.unwrap(), None);
    assert_eq!(env.blobs.resumable_offset("u/odd", total as u64).await.unwrap(), Some(total as u64));
}

pub async fn edge_lengths_match_put(env: &Env) {
    let cases: [(usize, &[usize]); 6] =
        [(0, &[]), (1, &[0, 0]), (C, &[C - 1]), (2 * C, &[C + 5, 2 * C - 1]), (3 * C, &[]), (C + 1, &[C])];
    for (i, (len, cuts)) in cases.into_iter().enumerate() {
        let plain = data(len, 10 + i as u64);
        let key = format!("u/edge-{i}");
        let info = upload(env, &key, &plain, cuts).await;
        let mut src = &plain[..];
        let put_info = env.blobs.put(&env.kek, &format!("p/edge-{i}"), &mut src).await.unwrap();
        assert_eq!(info, put_info, "len {len}");
        assert_eq!(env.stored_size(&key).await, env.stored_size(&format!("p/edge-{i}")).await);
        assert_eq!(env.stored_size(&key).await, object_size(len));
        assert!(env.blobs.read_all(&env.kek, &key).await.unwrap() == plain, "len {len}");
    }
}

pub async fn zero_length_upload_completes_with_an_empty_append(env: &Env) {
    env.blobs.resumable_begin(&env.kek, "u/empty", 0).await.unwrap();
    assert_eq!(env.blobs.resumable_offset("u/empty", 0).await.unwrap(), Some(0));
    assert_invisible(env, "u/empty").await;
    let (off, info) = append(env, "u/empty", 0, 0, b"").await.unwrap();
    assert_eq!(off, 0);
    assert_eq!(info.unwrap().sha256, <[u8; 32]>::from(Sha256::digest(b"")));
    assert!(env.blobs.read_all(&env.kek, "u/empty").await.unwrap().is_empty());
    assert_eq!(env.stored_size("u/empty").await, HEADER + 16);
}

pub async fn wrong_offsets_and_lengths_are_refused(env: &Env) {
    let plain = data(3 * C, 2);
    let total = plain.len();
    assert!(matches!(append(env, "u/none", total, 0, b"x").await, Err(Error::NotFound)));
    env.blobs.resumable_begin(&env.kek, "u/off", total as u64).await.unwrap();
    assert!(matches!(env.blobs.resumable_begin(&env.kek, "u/off", total as u64).await, Err(Error::UploadExists)));
    assert!(matches!(append(env, "u/off", total, 5, &plain[5..]).await, Err(Error::OffsetMismatch { expected: 0 })));
    assert_eq!(append(env, "u/off", total, 0, &plain[..C + 10]).await.unwrap(), (C as u64, None));
    for wrong in [0, C as u64 + 10, 2 * C as u64, total as u64] {
        let at = wrong as usize;
        let err = append(env, "u/off", total, wrong, &plain[at..]).await.unwrap_err();
        assert!(matches!(err, Error::OffsetMismatch { expected } if expected == C as u64), "{wrong}: {err:?}");
    }
    assert_eq!(stored_so_far(env, "u/off").await, HEADER + STRIDE);

    // One byte too many: the whole chunk before the final one is kept, the
    // final one is not sealed.
    let mut long = plain[C..].to_vec();
    long.push(0);
    assert!(matches!(
        append(env, "u/off", total, C as u64, &long).await,
        Err(Error::UploadTooLong { total: t }) if t == total as u64
    ));
    assert_eq!(env.blobs.resumable_offset("u/off", total as u64).await.unwrap(), Some(2 * C as u64));
    assert_invisible(env, "u/off").await;

    // Another tenant's KEK cannot append, and writes nothing.
    let other = TenantKek::generate("sorvik");
    let mut src = &plain[2 * C..];
    let err = env.blobs.resumable_append(&other, "u/off", total as u64, 2 * C as u64, &mut src).await.unwrap_err();
    assert!(matches!(err, Error::Corrupt(_)), "{err:?}");
    assert_eq!(stored_so_far(env, "u/off").await, HEADER + 2 * STRIDE);

    let (off, info) = append(env, "u/off", total, 2 * C as u64, &plain[2 * C..]).await.unwrap();
    assert_eq!(off, total as u64);
    assert!(info.is_some());
    assert!(env.blobs.read_all(&env.kek, "u/off").await.unwrap() == plain);
    // Done: only an empty append at the end is accepted, and repeats the
    // answer (a client whose last response was lost).
    assert!(
        matches!(append(env, "u/off", total, C as u64, b"").await, Err(Error::OffsetMismatch { expected }) if expected == total as u64)
    );
    assert_eq!(append(env, "u/off", total, total as u64, b"").await.unwrap(), (off, info));
    assert!(matches!(append(env, "u/off", total, total as u64, b"x").await, Err(Error::UploadTooLong { .. })));
}

pub async fn resumes_after_a_restart(env: &Env) {
    let plain = data(4 * C + 777, 3);
    let total = plain.len() as u64;
    env.blobs.resumable_begin(&env.kek, "u/restart", total).await.unwrap();
    let mut src = &plain[..150 * 1024];
    assert_eq!(
        env.blobs.resumable_append(&env.kek, "u/restart", total, 0, &mut src).await.unwrap(),
        (2 * C as u64, None)
    );

    // A new process: nothing in memory carries over.
    let blobs = EncryptedBlobs::new(env.reopen().await);
    assert_eq!(blobs.resumable_offset("u/restart", total).await.unwrap(), Some(2 * C as u64));
    let listed: Vec<String> = blobs.resumable_list().await.unwrap().into_iter().map(|(k, _)| k).collect();
    assert_eq!(listed, ["u/restart"]);
    let mut src = &plain[2 * C..];
    let (off, info) = blobs.resumable_append(&env.kek, "u/restart", total, 2 * C as u64, &mut src).await.unwrap();
    assert_eq!(off, total);
    assert_eq!(info.unwrap().sha256, <[u8; 32]>::from(Sha256::digest(&plain)));
    assert!(blobs.read_all(&env.kek, "u/restart").await.unwrap() == plain);
}

/// What a crash half-way through writing the next chunk leaves: bytes that
/// are not a whole chunk (on a local folder, a torn write; on S3, whose
/// appends are atomic, a stale writer's short append).
pub async fn a_torn_write_is_cut_off_on_resume(env: &Env) {
    let plain = data(4 * C + 100, 4);
    let total = plain.len();
    env.blobs.resumable_begin(&env.kek, "u/torn", total as u64).await.unwrap();
    assert_eq!(append(env, "u/torn", total, 0, &plain[..2 * C + 300]).await.unwrap(), (2 * C as u64, None));
    let len = stored_so_far(env, "u/torn").await;
    env.store.partial_append("u/torn", len, data(5000, 99).into()).await.unwrap();
    assert_eq!(env.blobs.resumable_offset("u/torn", total as u64).await.unwrap(), Some(2 * C as u64));
    // Not even a resent offset that counts the torn bytes is accepted.
    assert!(matches!(
        append(env, "u/torn", total, 2 * C as u64 + 5000, b"").await,
        Err(Error::OffsetMismatch { expected }) if expected == 2 * C as u64
    ));
    assert_eq!(stored_so_far(env, "u/torn").await, HEADER + 2 * STRIDE, "torn tail cut off");
    let (off, info) = append(env, "u/torn", total, 2 * C as u64, &plain[2 * C..]).await.unwrap();
    assert_eq!(off, total as u64);
    assert_eq!(info.unwrap().sha256, <[u8; 32]>::from(Sha256::digest(&plain)));
    assert!(env.blobs.read_all(&env.kek, "u/torn").await.unwrap() == plain);
}

pub async fn a_lost_chunk_is_caught_before_the_upload_reports_success(env: &Env) {
    let plain = data(3 * C + 10, 5);
    let total = plain.len();
    env.blobs.resumable_begin(&env.kek, "u/lost", total as u64).await.unwrap();
    assert_eq!(append(env, "u/lost", total, 0, &plain[..C]).await.unwrap(), (C as u64, None));
    // A whole chunk's worth of zeros: what a filesystem that grew the file
    // but lost the data in a power cut would show. It counts as sealed.
    let len = stored_so_far(env, "u/lost").await;
    env.store.partial_append("u/lost", len, vec![0; STRIDE as usize].into()).await.unwrap();
    assert_eq!(env.blobs.resumable_offset("u/lost", total as u64).await.unwrap(), Some(2 * C as u64));
    let err = append(env, "u/lost", total, 2 * C as u64, &plain[2 * C..]).await.unwrap_err();
    assert!(matches!(err, Error::Corrupt(_)), "{err:?}");
    assert_invisible(env, "u/lost").await;
    assert_eq!(env.blobs.resumable_offset("u/lost", total as u64).await.unwrap(), None);
}

pub async fn a_finished_upload_detects_tampering(env: &Env) {
    let plain = data(3 * C + 50, 6);
    upload(env, "u/tamper", &plain, &[C + 1, 2 * C]).await;
    let orig = env.raw("u/tamper").await;
    for pos in [HEADER as usize + 40, (HEADER + STRIDE) as usize + 9, orig.len() - 1] {
        let mut bad = orig.clone();
        bad[pos] ^= 0x01;
        env.set_raw("u/tamper", &bad).await;
        assert!(env.blobs.read_all(&env.kek, "u/tamper").await.is_err(), "flip at {pos}");
        let at = (pos as u64).saturating_sub(HEADER) / STRIDE * C as u64;
        assert!(read_range(env, &env.kek, "u/tamper", at, 5).await.is_err(), "flip at {pos}");
    }
    // Chunks swapped.
    let mut bad = orig.clone();
    let (a, b) = (HEADER as usize, (HEADER + STRIDE) as usize);
    bad[a..b].copy_from_slice(&orig[b..b + STRIDE as usize]);
    bad[b..b + STRIDE as usize].copy_from_slice(&orig[a..b]);
    env.set_raw("u/tamper", &bad).await;
    assert!(env.blobs.read_all(&env.kek, "u/tamper").await.is_err());
    env.set_raw("u/tamper", &orig).await;
    assert!(env.blobs.read_all(&env.kek, "u/tamper").await.unwrap() == plain);
}

pub async fn abort_deletes_and_list_shows_uploads_in_progress(env: &Env) {
    // Server clocks (S3) count whole seconds.
    let before = SystemTime::now() - Duration::from_secs(2);
    env.blobs.resumable_begin(&env.kek, "u/b", 10).await.unwrap();
    env.blobs.resumable_begin(&env.kek, "u/a", 3 * C as u64).await.unwrap();
    assert_eq!(append(env, "u/a", 3 * C, 0, &data(C, 7)).await.unwrap(), (C as u64, None));
    // A committed blob is no upload.
    put(env, "u/c", b"done").await;
    let listed = env.blobs.resumable_list().await.unwrap();
    let keys: Vec<&str> = listed.iter().map(|(k, _)| k.as_str()).collect();
    assert_eq!(keys, ["u/a", "u/b"]);
    assert!(listed.iter().all(|(_, t)| *t >= before && *t <= SystemTime::now() + Duration::from_secs(2)));

    assert!(env.blobs.resumable_abort("u/a").await.unwrap());
    assert!(!env.blobs.resumable_abort("u/a").await.unwrap());
    assert_eq!(env.blobs.resumable_offset("u/a", 3 * C as u64).await.unwrap(), None);
    assert!(matches!(append(env, "u/a", 3 * C, C as u64, &data(C, 7)).await, Err(Error::NotFound)));
    let keys: Vec<String> = env.blobs.resumable_list().await.unwrap().into_iter().map(|(k, _)| k).collect();
    assert_eq!(keys, ["u/b"]);
    // Abort leaves committed blobs alone, and a key can start over.
    assert!(!env.blobs.resumable_abort("u/c").await.unwrap());
    assert!(env.store.exists("u/c").await.unwrap());
    env.blobs.resumable_begin(&env.kek, "u/a", 5).await.unwrap();
    assert_eq!(append(env, "u/a", 5, 0, b"hello").await.unwrap().0, 5);
    assert_eq!(env.blobs.read_all(&env.kek, "u/a").await.unwrap(), b"hello");
}

pub async fn one_append_at_a_time_and_a_dropped_one_releases_the_upload(env: &Env) {
    let total = 4 * C;
    env.blobs.resumable_begin(&env.kek, "u/busy", total as u64).await.unwrap();
    let plain = data(total, 8);
    let mut stalled = tokio::io::AsyncReadExt::chain(&plain[..C + 5], Stalled);
    {
        let first = env.blobs.resumable_append(&env.kek, "u/busy", total as u64, 0, &mut stalled);
        let mut first = pin!(first);
        assert!(tokio::time::timeout(Duration::from_millis(500), &mut first).await.is_err());
        assert!(matches!(append(env, "u/busy", total, 0, b"").await, Err(Error::UploadBusy)));
        assert!(matches!(env.blobs.resumable_begin(&env.kek, "u/busy", 1).await, Err(Error::UploadBusy)));
    }
    // The client gave up on the stalled request; its retry goes through.
    let off = env.blobs.resumable_offset("u/busy", total as u64).await.unwrap().unwrap();
    let (end, info) = append(env, "u/busy", total, off, &plain[off as usize..]).await.unwrap();
    assert_eq!(end, total as u64);
    assert!(info.is_some());
}

pub async fn disk_never_holds_plaintext_of_an_upload(env: &Env) {
    let marker = b"SUVEREN-PLAINTEXT-MARKER";
    let plain: Vec<u8> = marker.iter().copied().cycle().take(3 * C + 5).collect();
    let total = plain.len();
    env.blobs.resumable_begin(&env.kek, "u/secret", total as u64).await.unwrap();
    // The dropped remainder of 2 * C - 1 bytes would be a clear target.
    assert_eq!(append(env, "u/secret", total, 0, &plain[..3 * C - 1]).await.unwrap(), (2 * C as u64, None));
    let len = stored_so_far(env, "u/secret").await;
    assert_eq!(len, HEADER + 2 * STRIDE);
    let raw = env.store.partial_read_head("u/secret", len as usize).await.unwrap();
    assert!(raw.starts_with(b"SVBLOB1\x02"));
    assert!(!raw.windows(8).any(|w| w == &marker[..8]));
    for stored in env.everything_stored().await {
        assert!(!stored.windows(8).any(|w| w == &marker[..8]));
    }
    append(env, "u/secret", total, 2 * C as u64, &plain[2 * C..]).await.unwrap();
    let raw = env.raw("u/secret").await;
    assert!(!raw.windows(8).any(|w| w == &marker[..8]));
    for stored in env.everything_stored().await {
        assert!(!stored.windows(8).any(|w| w == &marker[..8]));
    }
}

/// Any plaintext, cut anywhere into appends, gives the blob `put` would.
pub async fn split_uploads_equal_put(env: &Env) {
    let strategy = (
        prop_oneof![0usize..300, 0usize..(300 * 1024)],
        prop::collection::vec(any::<prop::sample::Index>(), 0..6),
        any::<u64>(),
    );
    crate::suite::check(32, strategy, |(len, cuts, seed)| async move {
        let plain = data(len, seed);
        let mut cuts: Vec<usize> = cuts.iter().map(|i| i.index(len + 1)).collect();
        cuts.sort_unstable();
        let info = upload(env, "p/split", &plain, &cuts).await;
        let mut src = &plain[..];
        let put_info = env.blobs.put(&env.kek, "p/whole", &mut src).await.unwrap();
        prop_assert_eq!(info, put_info);
        prop_assert_eq!(env.stored_size("p/split").await, env.stored_size("p/whole").await);
        let back = env.blobs.read_all(&env.kek, "p/split").await.unwrap();
        prop_assert!(back == plain);
        Ok(())
    });
}
