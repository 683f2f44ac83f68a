//! The real binary killed with SIGKILL in the middle of 50 parallel WebDAV
//! uploads, then restarted: every upload that was answered 201/204 is
//! intact, nothing partial is visible, and the audit chain verifies.

mod common;

use std::process::{Child, Command};
use std::sync::Arc;
use std::time::{Duration, Instant};

use common::{password, start, BIN};
use sha2::{Digest, Sha256};

/// Deterministic content of upload `i` (sizes from 0 to about 3 MiB).
fn content(i: usize) -> Vec<u8> {
    let len = match i % 5 {
        0 => 0,
        1 => 1_000 + i * 37,
        2 => 300_000 + i * 1013,
        3 => 1_500_000 + i * 4099,
        _ => 3_000_000 + i * 17,
    };
    let mut out = Vec::with_capacity(len);
    let mut x = (i as u64 + 1).wrapping_mul(0x9E37_79B9_7F4A_7C15);
    while out.len() < len {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        out.extend_from_slice(&x.to_le_bytes());
    }
    out.truncate(len);
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn sigkill_during_fifty_uploads_loses_nothing_answered_and_shows_nothing_partial() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let server = start(&data, "127.0.0.1:0");
    let url = server.url.clone();
    let login = "lars.laerer@nordvik.test";
    let http = reqwest::Client::builder().cookie_store(true).build().unwrap();
    let r = http
        .post(format!("{url}/api/v1/auth/login"))
        .json(&serde_json::json!({"login": login, "password": password(&data, login)}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let r =
        http.post(format!("{url}/api/v1/me/app-passwords")).json(&serde_json::json!({"label": "crash"})).send().await;
    let pw = r.unwrap().json::<serde_json::Value>().await.unwrap()["password"].as_str().unwrap().to_string();
    let dav = reqwest::Client::builder().pool_max_idle_per_host(0).build().unwrap();
    let base = format!("{url}/dav/files/{login}");

    // 50 uploads at once; the server dies while they are in flight.
    let answered = Arc::new(std::sync::Mutex::new(Vec::new()));
    let mut tasks = Vec::new();
    for i in 0..50 {
        let (dav, base, pw, answered) = (dav.clone(), base.clone(), pw.clone(), answered.clone());
        tasks.push(tokio::spawn(async move {
            let r = dav.put(format!("{base}/u{i:02}.bin")).basic_auth(login, Some(&pw)).body(content(i)).send().await;
            if let Ok(r) = r {
                if matches!(r.status().as_u16(), 201 | 204) {
                    answered.lock().unwrap().push(i);
                }
            }
        }));
    }
    // Kill once some uploads are through and others are still running.
    let deadline = Instant::now() + Duration::from_secs(60);
    while answered.lock().unwrap().len() < 10 && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    let port = url.rsplit(':').next().unwrap().to_string();
    let mut server = server;
    unsafe_kill(&mut server.child);
    for t in tasks {
        let _ = t.await;
    }
    let answered: Vec<usize> = answered.lock().unwrap().clone();
    assert!(answered.len() >= 10 && answered.len() < 50, "killed mid-way: {} answered", answered.len());
    drop(server);

    // Restart on the same data; every answered upload is there, intact; the
    // others are either absent or complete (committed, answer lost) — never
    // partial.
    let server = start(&data, &format!("127.0.0.1:{port}"));
    let mut complete_unanswered = 0;
    for i in 0..50 {
        let r =
            dav.get(format!("{}/dav/files/{login}/u{i:02}.bin", server.url)).basic_auth(login, Some(&pw)).send().await;
        let r = r.unwrap();
        let status = r.status().as_u16();
        let body = r.bytes().await.unwrap();
        let want = content(i);
        if answered.contains(&i) {
            assert_eq!(status, 200, "answered upload {i} survives");
            assert_eq!(Sha256::digest(&body), Sha256::digest(&want), "answered upload {i} intact");
        } else if status == 200 {
            assert_eq!(Sha256::digest(&body), Sha256::digest(&want), "upload {i} is complete or absent");
            complete_unanswered += 1;
        } else {
            assert_eq!(status, 404, "upload {i}");
        }
    }
    eprintln!("{} answered, {complete_unanswered} committed without an answer", answered.len());

    // The audit chain verifies, and records each answered upload.
    let export = dir.path().join("nordvik.jsonl");
    let o = Command::new(BIN)
        .args(["audit", "export", "--data"])
        .arg(&data)
        .args(["--tenant", "nordvik", "--out"])
        .arg(&export)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let o = Command::new(BIN).args(["audit", "verify"]).arg(&export).output().unwrap();
    assert!(o.status.success(), "chain verifies: {}", String::from_utf8_lossy(&o.stdout));
    let text = std::fs::read_to_string(&export).unwrap();
    for i in &answered {
        assert!(text.contains(&format!("/u{i:02}.bin")), "upload {i} is in the audit log");
    }
    // No temp files are left behind after the restart's sweep.
    let tmp = data.join("blobs").join("tmp");
    let left = std::fs::read_dir(&tmp).map(|d| d.count()).unwrap_or(0);
    assert_eq!(left, 0, "temp files swept at start");
    drop(server);
}

/// SIGKILL: no chance to flush or clean up.
fn unsafe_kill(child: &mut Child) {
    let _ = Command::new("kill").args(["-9", &child.id().to_string()]).status();
    let _ = child.wait();
}
