//! Streaming, measured: 256 MiB in and a 64 MiB range out with a small, fixed
//! memory peak. Alone in its own test binary so no other test moves the peak.

mod common;

use common::*;
use futures_util::TryStreamExt;
use sha2::{Digest, Sha256};
use tokio::io::AsyncReadExt;

fn vm_hwm_kib() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .expect("VmHWM in /proc/self/status")
}

/// SHA-256 of the whole generator output and of the slice `range`.
async fn expected_hashes(len: u64, range: std::ops::Range<u64>) -> ([u8; 32], [u8; 32]) {
    let (mut all, mut part) = (Sha256::new(), Sha256::new());
    let mut g = Generator::new(len);
    let mut buf = vec![0u8; 1 << 20];
    let mut pos = 0u64;
    loop {
        let n = g.read(&mut buf).await.unwrap();
        if n == 0 {
            break;
        }
        all.update(&buf[..n]);
        let (lo, hi) = (range.start.max(pos), range.end.min(pos + n as u64));
        if lo < hi {
            part.update(&buf[(lo - pos) as usize..(hi - pos) as usize]);
        }
        pos += n as u64;
    }
    (all.finalize().into(), part.finalize().into())
}

#[tokio::test]
async fn quarter_gibibyte_streams_in_bounded_memory() {
    const LEN: u64 = 256 * 1024 * 1024;
    // Reading back all of it would double the runtime (the dev profile keeps
    // debug assertions in the cipher); a 64 MiB range off chunk boundaries
    // exercises the same streaming path.
    let range = (LEN / 2 - (32 << 20) + 12_345)..(LEN / 2 + (32 << 20) + 12_345);
    let env = env().await;
    let (want_all, want_part) = expected_hashes(LEN, range.clone()).await;
    let before = vm_hwm_kib();

    let mut src = Generator::new(LEN);
    let info = env.blobs.put(&env.kek, "big/one", &mut src).await.unwrap();
    assert_eq!(info.size, LEN);
    assert_eq!(info.sha256, want_all);
    let on_disk = env.stored_size("big/one").await;
    assert_eq!(on_disk, 100 + LEN + 16 * (LEN / C as u64));

    let len = range.end - range.start;
    let mut stream = env.blobs.read_range(&env.kek, "big/one", range.start, len).await.unwrap();
    let mut h = Sha256::new();
    let mut total = 0u64;
    while let Some(piece) = stream.try_next().await.unwrap() {
        assert!(piece.len() <= C);
        total += piece.len() as u64;
        h.update(&piece);
    }
    assert_eq!(total, len);
    assert_eq!(<[u8; 32]>::from(h.finalize()), want_part);

    let growth_mib = vm_hwm_kib().saturating_sub(before) / 1024;
    eprintln!("peak memory growth: {growth_mib} MiB");
    assert!(growth_mib < 32, "peak memory grew by {growth_mib} MiB");
}
