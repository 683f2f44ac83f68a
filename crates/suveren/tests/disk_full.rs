//! The blob volume fills up mid-upload: the client gets a clear 507, the
//! half-written file is nowhere, what was stored before is intact, and the
//! server takes uploads again once space is freed.
//!
//! Mounts a 12 MiB tmpfs over the blob folder, so it needs root (CI runs as
//! root; elsewhere the test says it cannot run and fails).

mod common;

use std::process::Command;

use common::{password, start};

struct Mount(std::path::PathBuf);

impl Drop for Mount {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg("-l").arg(&self.0).status();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_full_blob_volume_refuses_clearly_and_loses_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let blobs = data.join("blobs");
    std::fs::create_dir_all(&blobs).unwrap();
    let st = Command::new("mount").args(["-t", "tmpfs", "-o", "size=12m", "tmpfs"]).arg(&blobs).status();
    assert!(
        st.is_ok_and(|s| s.success()),
        "mounting a small tmpfs needs root (CI runs as root); run this test as root"
    );
    let _m = Mount(blobs.clone());
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
        http.post(format!("{url}/api/v1/me/app-passwords")).json(&serde_json::json!({"label": "full"})).send().await;
    let pw = r.unwrap().json::<serde_json::Value>().await.unwrap()["password"].as_str().unwrap().to_string();
    let dav = reqwest::Client::new();
    let base = format!("{url}/dav/files/{login}");
    let put = |name: &str, len: usize, byte: u8| {
        dav.put(format!("{base}/{name}")).basic_auth(login, Some(&pw)).body(vec![byte; len]).send()
    };
    let r = put("first.bin", 4 << 20, 1).await.unwrap();
    assert_eq!(r.status(), 201);
    // 10 MiB more does not fit in what is left of 12 MiB.
    let r = put("too-big.bin", 10 << 20, 2).await.unwrap();
    assert_eq!(r.status(), 507, "insufficient storage");
    let why = r.text().await.unwrap();
    assert!(why.contains("storage is full"), "the refusal says why: {why}");
    let get = |name: &str| dav.get(format!("{base}/{name}")).basic_auth(login, Some(&pw)).send();
    assert_eq!(get("too-big.bin").await.unwrap().status(), 404, "no partial file");
    let first = get("first.bin").await.unwrap().bytes().await.unwrap();
    assert!(first.len() == 4 << 20 && first.iter().all(|b| *b == 1), "earlier file intact");
    // Nothing of the failed upload occupies the volume.
    let tmp = std::fs::read_dir(blobs.join("tmp")).map(|d| d.count()).unwrap_or(0);
    assert_eq!(tmp, 0, "the half-written temp file was removed");
    // What space is left still takes uploads: the server is not wedged.
    let r = put("small.bin", 1 << 20, 3).await.unwrap();
    assert_eq!(r.status(), 201, "the server still works");
    drop(server);
}
