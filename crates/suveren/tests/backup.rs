//! `suveren backup` and `suveren restore` through the real binary: a backup
//! taken while uploads run is restored into a new folder and served by a
//! second server, which must show every account the same drives, listings,
//! file bytes and directory as the first did at the moment of the snapshot;
//! the restored audit chains verify under the original key. A tampered
//! backup and a non-empty target are refused with nothing written; without
//! its master key a restored folder does not start; while a backup holds the
//! blob lock the server sweeps nothing.

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::{json, Value};

const UPLOADER: &str = "lars.laerer@nordvik.test";
const TENANT_CHAINS: [&str; 3] = ["nordvik", "sorvik", "_operator"];

#[derive(Debug, Clone)]
struct Account {
    login: String,
    password: String,
    role: String,
    totp: String,
}

fn accounts(data: &Path) -> Vec<Account> {
    std::fs::read_to_string(data.join("demo-credentials.tsv"))
        .unwrap()
        .lines()
        .map(|l| {
            let r: Vec<&str> = l.split('\t').collect();
            Account {
                login: r[0].into(),
                password: r[1].into(),
                role: r[3].into(),
                totp: r.get(4).copied().unwrap_or("").into(),
            }
        })
        .collect()
}

/// Deterministic content for upload `seed`.
fn content(seed: u64, len: usize) -> Vec<u8> {
    let mut out = Vec::with_capacity(len + 8);
    let mut x = (seed + 1).wrapping_mul(0x9E37_79B9_7F4A_7C15);
    while out.len() < len {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        out.extend_from_slice(&x.to_le_bytes());
    }
    out.truncate(len);
    out
}

fn run(args: &[&str]) -> Output {
    Command::new(common::BIN).args(args).env_remove("SUVEREN_CONFIG").env_remove("SUVEREN_DATA").output().unwrap()
}

fn ok(o: &Output) -> String {
    assert!(
        o.status.success(),
        "failed ({:?}): {}\n{}",
        o.status.code(),
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    );
    String::from_utf8(o.stdout.clone()).unwrap()
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

fn enc(path: &str) -> String {
    let mut out = String::new();
    for b in path.bytes() {
        if b.is_ascii_alphanumeric() || b"/-._~".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

fn totp_now(secret: &str) -> String {
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs();
    suveren_identity::totp::code_at(secret, now).unwrap()
}

/// Signs in; the session cookie as a `Cookie` header value.
async fn sign_in(http: &reqwest::Client, url: &str, a: &Account) -> String {
    let mut body = json!({"login": a.login, "password": a.password});
    if !a.totp.is_empty() {
        body["totp"] = json!(totp_now(&a.totp));
    }
    let r = http.post(format!("{url}/api/v1/auth/login")).json(&body).send().await.unwrap();
    assert_eq!(r.status(), 200, "sign-in of {}", a.login);
    let cookies: Vec<String> = r
        .headers()
        .get_all(reqwest::header::SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .filter_map(|v| v.split(';').next().map(str::to_string))
        .collect();
    assert!(!cookies.is_empty(), "a session cookie for {}", a.login);
    cookies.join("; ")
}

async fn get(http: &reqwest::Client, url: &str, path: &str, cookie: &str) -> (u16, Vec<u8>) {
    let r = http.get(format!("{url}{path}")).header(reqwest::header::COOKIE, cookie).send().await.unwrap();
    let status = r.status().as_u16();
    (status, r.bytes().await.unwrap().to_vec())
}

async fn get_json(http: &reqwest::Client, url: &str, path: &str, cookie: &str) -> (u16, Value) {
    let (status, body) = get(http, url, path, cookie).await;
    (status, serde_json::from_slice(&body).unwrap_or(Value::Null))
}

/// Every node of a drive the caller can list, by path (a refused listing is
/// kept as its status, so both servers must refuse alike).
async fn walk(http: &reqwest::Client, url: &str, cookie: &str, drive: &str) -> BTreeMap<String, Value> {
    let mut out = BTreeMap::new();
    let mut todo = vec!["/".to_string()];
    while let Some(dir) = todo.pop() {
        let (status, v) =
            get_json(http, url, &format!("/api/v1/drives/{drive}/items?path={}", enc(&dir)), cookie).await;
        if status != 200 {
            out.insert(dir, json!({"status": status}));
            continue;
        }
        out.insert(dir, v["item"].clone());
        for c in v["children"].as_array().unwrap() {
            let p = c["path"].as_str().unwrap().to_string();
            if c["dir"].as_bool().unwrap() {
                todo.push(p);
            } else {
                out.insert(p, c.clone());
            }
        }
    }
    out
}

/// A folder's own fields that no upload into it changes.
fn folder_identity(v: &Value) -> Value {
    json!([v["id"], v["path"], v["name"], v["dir"], v["level"], v["created"]])
}

#[derive(Debug, Clone)]
struct Upload {
    path: String,
    seed: u64,
    len: usize,
    started: Instant,
    answered: Option<Instant>,
}

fn copy_tree(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        let (src, dst) = (e.path(), to.join(e.file_name()));
        if src.is_dir() {
            copy_tree(&src, &dst);
        } else {
            std::fs::copy(&src, &dst).unwrap();
        }
    }
}

fn files_under(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    if let Ok(rd) = std::fs::read_dir(dir) {
        for e in rd.flatten() {
            let p = e.path();
            if p.is_dir() {
                out.extend(files_under(&p));
            } else {
                out.push(p);
            }
        }
    }
    out
}

fn flip_byte(path: &Path) {
    let mut bytes = std::fs::read(path).unwrap();
    let i = bytes.len() / 2;
    bytes[i] ^= 0x01;
    std::fs::write(path, bytes).unwrap();
}

fn records(export: &Path) -> Vec<String> {
    std::fs::read_to_string(export)
        .unwrap()
        .lines()
        .filter(|l| l.contains("\"type\":\"record\""))
        .map(str::to_string)
        .collect()
}

fn header_key(export: &Path) -> String {
    let text = std::fs::read_to_string(export).unwrap();
    let h: Value = serde_json::from_str(text.lines().next().unwrap()).unwrap();
    h["public_key"].as_str().unwrap().to_string()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn backup_during_uploads_restores_an_identical_installation() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let server = common::start(&data, "127.0.0.1:0");
    let url = server.url.clone();
    let http = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();

    // Every account signs in before the backup: its session and its personal
    // drive are then part of the snapshot, and the same cookie works on both
    // servers.
    let all = accounts(&data);
    let mut cookies: BTreeMap<String, String> = BTreeMap::new();
    for a in &all {
        let c = sign_in(&http, &url, a).await;
        let (status, _) = get_json(&http, &url, "/api/v1/drives", &c).await;
        assert_eq!(status, 200, "{}", a.login);
        cookies.insert(a.login.clone(), c);
    }
    let lars = cookies[UPLOADER].clone();
    let (_, drives) = get_json(&http, &url, "/api/v1/drives", &lars).await;
    let home = drives["drives"].as_array().unwrap().iter().find(|d| d["kind"] == "personal").unwrap()["id"]
        .as_str()
        .unwrap()
        .to_string();
    let r = http
        .post(format!("{url}/api/v1/me/app-passwords"))
        .header(reqwest::header::COOKIE, &lars)
        .json(&json!({"label": "backup test"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    let app_pw = r.json::<Value>().await.unwrap()["password"].as_str().unwrap().to_string();
    let put = |path: &str, body: Vec<u8>| {
        http.put(format!("{url}/api/v1/drives/{home}/content?path={}", enc(path)))
            .basic_auth(UPLOADER, Some(&app_pw))
            .body(body)
            .send()
    };

    // Content of every kind before the backup: a folder, a file with an
    // earlier version, files in the trash.
    let r = http
        .post(format!("{url}/api/v1/drives/{home}/folders"))
        .basic_auth(UPLOADER, Some(&app_pw))
        .json(&json!({"path": "/Sikkerhetskopi"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    for (path, seed, len) in [
        ("/Sikkerhetskopi/rapport.bin", 1, 300_000),
        ("/Sikkerhetskopi/notat æøå.txt", 2, 900),
        ("/versjonert.bin", 3, 100_000),
        ("/versjonert.bin", 4, 150_000),
        ("/kastet.bin", 5, 5_000),
        ("/slett-1.bin", 6, 70_000),
        ("/slett-2.bin", 7, 80_000),
    ] {
        let r = put(path, content(seed, len)).await.unwrap();
        assert!(r.status().is_success(), "{path}: {}", r.status());
    }
    for path in ["/kastet.bin", "/slett-1.bin", "/slett-2.bin"] {
        let r = http
            .delete(format!("{url}/api/v1/drives/{home}/items?path={}", enc(path)))
            .basic_auth(UPLOADER, Some(&app_pw))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200, "{path}");
    }

    // Uploads run in three loops while the backup is taken.
    let stop = Arc::new(AtomicBool::new(false));
    let log: Arc<Mutex<Vec<Upload>>> = Arc::default();
    let mut tasks = Vec::new();
    for t in 0..3u64 {
        let (http, url, home, app_pw, stop, log) =
            (http.clone(), url.clone(), home.clone(), app_pw.clone(), stop.clone(), log.clone());
        tasks.push(tokio::spawn(async move {
            let mut j = 0u64;
            while !stop.load(Ordering::SeqCst) {
                let (seed, len) = (100 + t * 1000 + j, 150_000 + ((t * 7 + j * 13) % 10) as usize * 100_000);
                let path = format!("/live-{t}-{j:03}.bin");
                let i = {
                    let mut l = log.lock().unwrap();
                    l.push(Upload { path: path.clone(), seed, len, started: Instant::now(), answered: None });
                    l.len() - 1
                };
                let r = http
                    .put(format!("{url}/api/v1/drives/{home}/content?path={path}"))
                    .basic_auth(UPLOADER, Some(&app_pw))
                    .body(content(seed, len))
                    .send()
                    .await
                    .unwrap();
                assert_eq!(r.status(), 201, "{path}");
                log.lock().unwrap()[i].answered = Some(Instant::now());
                j += 1;
            }
        }));
    }
    let deadline = Instant::now() + Duration::from_secs(60);
    while log.lock().unwrap().iter().filter(|u| u.answered.is_some()).count() < 4 {
        assert!(Instant::now() < deadline, "uploads are slow to start");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let bk1 = dir.path().join("backup-1");
    let backup_start = Instant::now();
    let args =
        vec!["backup".to_string(), "--data".into(), s(&data).into(), "--to".into(), s(&bk1).into(), "--json".into()];
    let out =
        tokio::task::spawn_blocking(move || Command::new(common::BIN).args(&args).output().unwrap()).await.unwrap();
    let backup_end = Instant::now();
    // A few more uploads after the backup, then stop.
    tokio::time::sleep(Duration::from_millis(300)).await;
    stop.store(true, Ordering::SeqCst);
    for t in tasks {
        t.await.unwrap();
    }
    let summary: Value = serde_json::from_str(&ok(&out)).expect("--json prints JSON");
    assert_eq!(summary["complete"], true, "{summary}");
    assert_eq!(summary["keys"]["included"], false);
    assert!(summary["counts"]["blobs"].as_u64().unwrap() > 5, "{summary}");
    let uploads = log.lock().unwrap().clone();
    let during =
        uploads.iter().filter(|u| u.started < backup_end && u.answered.is_none_or(|a| a > backup_start)).count();
    assert!(during >= 1, "uploads ran while the backup was taken");
    eprintln!("{} uploads, {during} of them in flight during the backup", uploads.len());

    // The folder: the database, the blobs, the manifest; no keys.
    let manifest: Value = serde_json::from_str(&std::fs::read_to_string(bk1.join("manifest.json")).unwrap()).unwrap();
    assert_eq!((manifest["format"].as_str(), manifest["version"].as_u64()), (Some("suveren-backup"), Some(1)));
    assert!(!bk1.join("keys").exists());
    use std::os::unix::fs::PermissionsExt;
    assert_eq!(std::fs::metadata(&bk1).unwrap().permissions().mode() & 0o777, 0o700, "personal data: owner only");
    for f in manifest["files"].as_array().unwrap() {
        let p = bk1.join(f["path"].as_str().unwrap());
        let bytes = std::fs::read(&p).unwrap();
        assert_eq!(f["size"].as_u64().unwrap(), bytes.len() as u64);
        use sha2::Digest;
        assert_eq!(f["sha256"].as_str().unwrap(), hex::encode(sha2::Sha256::digest(&bytes)));
    }

    // Said plainly without --json; with --include-keys, the keys apart, with a warning.
    let bk_plain = dir.path().join("backup-plain");
    let text = ok(&run(&["backup", "--data", s(&data), "--to", s(&bk_plain)]));
    let master_path = data.join("keys/master.key");
    assert!(
        text.contains(&format!("The master key is not in this backup; keep it separately: {}", master_path.display())),
        "{text}"
    );
    let bk_keys = dir.path().join("backup-keys");
    let o = run(&["backup", "--data", s(&data), "--to", s(&bk_keys), "--include-keys"]);
    ok(&o);
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("WARNING: this backup contains the master key"), "{err}");
    assert_eq!(std::fs::read(bk_keys.join("keys/master.key")).unwrap(), std::fs::read(&master_path).unwrap());
    assert_eq!(std::fs::metadata(bk_keys.join("keys/master.key")).unwrap().permissions().mode() & 0o777, 0o600);

    // Restore with the keys kept apart.
    let restored = dir.path().join("restored");
    let r: Value = serde_json::from_str(&ok(&run(&[
        "restore",
        "--from",
        s(&bk1),
        "--data",
        s(&restored),
        "--keys",
        s(&data.join("keys")),
        "--json",
    ])))
    .unwrap();
    assert_eq!(r["keys_restored"], json!(["master key", "audit signing key"]), "{r}");
    assert_eq!(r["master_key_opens"], json!(["nordvik", "sorvik"]), "{r}");
    assert_eq!(r["counts"], manifest["counts"]);
    assert_eq!(r["files_verified"].as_u64().unwrap(), manifest["files"].as_array().unwrap().len() as u64);

    // The restored audit chains: intact, under the original key, and a
    // prefix of the original chains (which went on growing).
    let mut restored_records = BTreeMap::new();
    for t in TENANT_CHAINS {
        let (orig, rest) = (dir.path().join(format!("orig-{t}.jsonl")), dir.path().join(format!("rest-{t}.jsonl")));
        ok(&run(&["audit", "export", "--data", s(&data), "--tenant", t, "--out", s(&orig)]));
        ok(&run(&["audit", "export", "--data", s(&restored), "--tenant", t, "--out", s(&rest)]));
        let verified = ok(&run(&["audit", "verify", s(&rest), "--public-key", &header_key(&orig)]));
        assert!(verified.starts_with("OK"), "{verified}");
        let (o, r) = (records(&orig), records(&rest));
        assert!(!r.is_empty() && r.len() <= o.len(), "{t}: {} restored, {} original", r.len(), o.len());
        assert_eq!(r[..], o[..r.len()], "{t}: the restored chain is the original's as of the snapshot");
        restored_records.insert(t, r.len());
    }

    // A second server on the restored folder, without --demo.
    let server2 = common::start_with(&restored, "127.0.0.1:0", &[]);
    let url2 = server2.url.clone();

    // Every account sees the same drives, listings and bytes (its session
    // was in the snapshot). Only uploads not answered before the backup
    // began may be missing, and only from the uploader's drive.
    let answered_before: BTreeSet<String> =
        uploads.iter().filter(|u| u.answered.is_some_and(|a| a < backup_start)).map(|u| u.path.clone()).collect();
    let started_after: BTreeSet<String> =
        uploads.iter().filter(|u| u.started > backup_end).map(|u| u.path.clone()).collect();
    let live: BTreeMap<String, &Upload> = uploads.iter().map(|u| (u.path.clone(), u)).collect();
    let mut downloaded = BTreeSet::new();
    let (mut files_compared, mut drives_compared) = (0, 0);
    for a in &all {
        let c = &cookies[&a.login];
        let (s1, d1) = get_json(&http, &url, "/api/v1/drives", c).await;
        let (s2, d2) = get_json(&http, &url2, "/api/v1/drives", c).await;
        assert_eq!((s1, s2), (200, 200), "{}: the session works on both servers", a.login);
        let (l1, l2) = (d1["drives"].as_array().unwrap(), d2["drives"].as_array().unwrap());
        assert_eq!(l1.len(), l2.len(), "{}: drives", a.login);
        for (j1, j2) in l1.iter().zip(l2) {
            let id = j1["id"].as_str().unwrap();
            let uploads_here = id == home;
            if uploads_here {
                let strip = |v: &Value| {
                    let mut v = v.clone();
                    v.as_object_mut().unwrap().remove("used");
                    v
                };
                assert_eq!(strip(j1), strip(j2), "{}: drive {id}", a.login);
            } else {
                assert_eq!(j1, j2, "{}: drive {id}", a.login);
            }
            let mut missing_bytes = 0u64;
            let n1 = walk(&http, &url, c, id).await;
            let n2 = walk(&http, &url2, c, id).await;
            if !uploads_here {
                assert_eq!(n1, n2, "{}: every listing of drive {id}", a.login);
            }
            for (path, v2) in &n2 {
                let v1 = n1.get(path).unwrap_or_else(|| panic!("{path} restored but not in the original"));
                if v2["dir"].as_bool() == Some(true) {
                    assert_eq!(folder_identity(v1), folder_identity(v2), "{path}");
                    continue;
                }
                assert_eq!(v1, v2, "{}: {path} in drive {id}", a.login);
                if !downloaded.insert((id.to_string(), path.clone())) || v2.get("status").is_some() {
                    continue;
                }
                let q = format!("/api/v1/drives/{id}/content?path={}", enc(path));
                let (b1, b2) = (get(&http, &url, &q, c).await, get(&http, &url2, &q, c).await);
                assert_eq!(b1.0, b2.0, "{path}: the same answer");
                assert_eq!(b1.1, b2.1, "{path}: the same bytes");
                if let Some(u) = live.get(path) {
                    assert!(!started_after.contains(path), "{path} was uploaded after the backup");
                    assert_eq!(b2.1, content(u.seed, u.len), "{path}: complete");
                }
                files_compared += 1;
            }
            for (path, v1) in &n1 {
                if !n2.contains_key(path) {
                    assert!(uploads_here && live.contains_key(path), "{path} of drive {id} was not restored");
                    assert!(!answered_before.contains(path), "{path} was stored before the backup began");
                    missing_bytes += v1["size"].as_u64().unwrap();
                }
            }
            if uploads_here {
                assert_eq!(
                    j1["used"].as_u64().unwrap() - j2["used"].as_u64().unwrap(),
                    missing_bytes,
                    "the restored drive's use is the original's less the later uploads"
                );
                for q in
                    ["/api/v1/drives/{d}/trash".to_string(), "/api/v1/drives/{d}/versions?path=/versjonert.bin".into()]
                {
                    let q = q.replace("{d}", id);
                    assert_eq!(get_json(&http, &url, &q, c).await, get_json(&http, &url2, &q, c).await, "{q}");
                }
            }
            drives_compared += 1;
        }
    }
    assert!(answered_before.iter().all(|p| downloaded.contains(&(home.clone(), p.clone()))));
    eprintln!("compared {drives_compared} drive views and {files_compared} files");
    assert!(files_compared > answered_before.len() + 5);

    // The directory, as each tenant's administrator and the operator see it.
    let admin_paths = |t: &str| {
        ["principals?limit=10000", "groups", "org-units", "segments", "barriers"]
            .map(|p| format!("/api/v1/tenants/{t}/{p}"))
            .to_vec()
    };
    for (login, paths) in [
        ("anna.admin@nordvik.test", admin_paths("nordvik")),
        ("operator", vec!["/api/v1/tenants".to_string(), "/api/v1/federation".into()]),
    ]
    .into_iter()
    .chain(all.iter().filter(|a| a.role == "tenant_admin" && a.login.ends_with("@sorvik.test")).map(|a| {
        let t = "sorvik";
        (a.login.as_str(), admin_paths(t))
    })) {
        for p in paths {
            let (a, b) =
                (get_json(&http, &url, &p, &cookies[login]).await, get_json(&http, &url2, &p, &cookies[login]).await);
            assert_eq!(a.0, 200, "{login} {p}: {}", a.1);
            assert_eq!(a, b, "{login} {p}");
        }
    }

    // The restored chains went on growing under the restored server and
    // still verify.
    drop(server2);
    for t in TENANT_CHAINS {
        let rest = dir.path().join(format!("rest2-{t}.jsonl"));
        ok(&run(&["audit", "export", "--data", s(&restored), "--tenant", t, "--out", s(&rest)]));
        assert!(ok(&run(&["audit", "verify", s(&rest)])).starts_with("OK"));
        assert!(records(&rest).len() >= restored_records[t]);
    }

    // Tampered: one byte of a blob, or of the database. Refused, nothing written.
    let blob = manifest["files"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["blob"].is_string())
        .max_by_key(|f| f["size"].as_u64())
        .unwrap()["path"]
        .as_str()
        .unwrap()
        .to_string();
    for (name, victim) in [("blob", blob.as_str()), ("database", "meta.db")] {
        let bad = dir.path().join(format!("tampered-{name}"));
        copy_tree(&bk1, &bad);
        flip_byte(&bad.join(victim));
        let target = dir.path().join(format!("from-tampered-{name}"));
        let o = run(&["restore", "--from", s(&bad), "--data", s(&target), "--keys", s(&data.join("keys"))]);
        assert!(!o.status.success(), "a tampered {name} is refused");
        let err = String::from_utf8_lossy(&o.stderr);
        assert!(err.contains("does not match its manifest") && err.contains("Nothing was written"), "{err}");
        assert!(err.contains(&format!("{victim}: SHA-256 differs")), "{err}");
        assert!(!target.exists(), "nothing written for a tampered {name}");
    }

    // A non-empty target is refused and left as it was.
    let occupied = dir.path().join("occupied");
    std::fs::create_dir_all(&occupied).unwrap();
    std::fs::write(occupied.join("notes.txt"), "mine").unwrap();
    for target in [&occupied, &restored] {
        let before = files_under(target);
        let o = run(&["restore", "--from", s(&bk1), "--data", s(target)]);
        assert!(!o.status.success());
        let err = String::from_utf8_lossy(&o.stderr);
        assert!(err.contains("is not empty") && err.contains("Nothing was written"), "{err}");
        assert_eq!(files_under(target), before);
    }

    // Without its master key a restored folder says what to do and the
    // server refuses to start rather than make a new key.
    let nokeys = dir.path().join("no-keys");
    let text = ok(&run(&["restore", "--from", s(&bk1), "--data", s(&nokeys)]));
    assert!(text.contains("The keys are not in this backup"), "{text}");
    assert!(text.contains(&nokeys.join("keys/master.key").display().to_string()), "{text}");
    let mut child = Command::new(common::BIN)
        .args(["serve", "--listen", "127.0.0.1:0", "--data", s(&nokeys)])
        .env("SUVEREN_LOG_LEVEL", "warn")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(30);
    let status = loop {
        if let Some(st) = child.try_wait().unwrap() {
            break st;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            panic!("the server started without its master key");
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    let mut err = String::new();
    std::io::Read::read_to_string(child.stderr.as_mut().unwrap(), &mut err).unwrap();
    assert!(!status.success());
    assert!(err.contains("master key file") && err.contains("is missing"), "{err}");
    assert!(!nokeys.join("keys/master.key").exists(), "no new key was made");

    // A backup holding its keys restores them without --keys.
    let withkeys = dir.path().join("with-keys");
    let r: Value =
        serde_json::from_str(&ok(&run(&["restore", "--from", s(&bk_keys), "--data", s(&withkeys), "--json"]))).unwrap();
    assert_eq!(r["keys_restored"], json!(["master key", "audit signing key"]), "{r}");
    assert_eq!(std::fs::read(withkeys.join("keys/master.key")).unwrap(), std::fs::read(&master_path).unwrap());
    assert_eq!(std::fs::metadata(withkeys.join("keys/master.key")).unwrap().permissions().mode() & 0o777, 0o600);

    // While a backup holds the blob lock, a purge deletes no blob file; the
    // next sweep after it catches up.
    let blob_files = || files_under(&data.join("blobs/objects")).len();
    let (_, trash) = get_json(&http, &url, &format!("/api/v1/drives/{home}/trash"), &lars).await;
    let ids: Vec<String> = trash["trash"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["path"].as_str().unwrap().starts_with("/slett-"))
        .map(|e| e["id"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(ids.len(), 2, "{trash}");
    let purge = |id: &str| {
        http.delete(format!("{url}/api/v1/drives/{home}/trash/{id}")).basic_auth(UPLOADER, Some(&app_pw)).send()
    };
    let before = blob_files();
    let pause = suveren_service::backup::pause_blob_changes(&data).unwrap();
    assert_eq!(purge(&ids[0]).await.unwrap().status(), 204);
    assert_eq!(blob_files(), before, "no blob deleted while a backup runs");
    drop(pause);
    assert_eq!(purge(&ids[1]).await.unwrap().status(), 204);
    // (The server's periodic sweep may be finishing the first one.)
    let deadline = Instant::now() + Duration::from_secs(10);
    while blob_files() != before - 2 && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(blob_files(), before - 2, "both swept once the backup is done");
    drop(server);
}
