//! `suveren store migrate` through the real binary: the demo installation
//! with uploads, versions, trash, shares and an upload in progress is moved
//! from its data folder to a fresh PostgreSQL database and an S3 bucket
//! (moto), first in interrupted runs that resume, then to the end; a run
//! after success has nothing to do and verifies again. The migrated
//! installation, opened with `App::open` on PostgreSQL and S3, must show
//! every account what the embedded one showed: drives, listings, file bytes,
//! trash, versions, shares, search results and the administrators' views;
//! the audit chains are the same sequences and verify. A target that is not
//! empty is refused, and a changed row or blob on the target fails the
//! verification, naming it.
//!
//! Needs `SUVEREN_TEST_PG` (`scripts/pg.sh start DIR PORT`) and moto
//! (`python3 -m moto.server`); skips with a note without them, unless
//! `SUVEREN_TEST_REQUIRE_PG=1` / `SUVEREN_TEST_REQUIRE_S3=1`.

mod common;

use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use serde_json::{json, Value};
use sha2::{Digest, Sha256};
use suveren_blob::BlobStore;
use suveren_service::cluster::Backends;
use suveren_service::{App, Settings};
use suveren_store::Store;

const LARS: &str = "lars.laerer@nordvik.test";
const SIRI: &str = "siri.saksbehandler@nordvik.test";
const BUCKET: &str = "suveren-migrate";

// ---------------------------------------------------------------- moto

/// moto on a loopback port, stopped on drop (and by a watchdog shell when
/// the test process dies first).
struct Moto {
    child: Child,
    endpoint: String,
}

impl Drop for Moto {
    fn drop(&mut self) {
        let _ = Command::new("kill").args(["-TERM", "--", &format!("-{}", self.child.id())]).status();
        let _ = self.child.wait();
    }
}

fn http_status(port: u16, method: &str, path: &str) -> Option<u16> {
    let mut s = TcpStream::connect(("127.0.0.1", port)).ok()?;
    s.set_read_timeout(Some(Duration::from_secs(10))).ok()?;
    write!(s, "{method} {path} HTTP/1.0\r\nHost: 127.0.0.1:{port}\r\nContent-Length: 0\r\n\r\n").ok()?;
    let mut head = [0u8; 12];
    s.read_exact(&mut head).ok()?;
    std::str::from_utf8(&head).ok()?.strip_prefix("HTTP/1.")?.get(2..5)?.parse().ok()
}

fn start_moto(log: &Path) -> Option<Moto> {
    let installed = Command::new("python3")
        .args(["-c", "import moto.server"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    if !installed {
        if std::env::var("SUVEREN_TEST_REQUIRE_S3").is_ok_and(|v| v == "1") {
            panic!("SUVEREN_TEST_REQUIRE_S3=1 but moto is not installed (pip install -r tests/s3/requirements.txt)");
        }
        return None;
    }
    let port = TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    const WATCHDOG: &str = r#"parent=$1; shift
"$@" &
child=$!
trap 'kill $child 2>/dev/null; exit 0' TERM INT HUP
while kill -0 "$parent" 2>/dev/null && kill -0 "$child" 2>/dev/null; do sleep 1; done
kill $child 2>/dev/null
"#;
    use std::os::unix::process::CommandExt;
    let out = std::fs::File::create(log).unwrap();
    let child = Command::new("sh")
        .args(["-c", WATCHDOG, "sh", &std::process::id().to_string()])
        .args(["python3", "-m", "moto.server", "-H", "127.0.0.1", "-p", &port.to_string()])
        .stdin(Stdio::null())
        .stdout(out.try_clone().unwrap())
        .stderr(out)
        .process_group(0)
        .spawn()
        .expect("spawn moto");
    let moto = Moto { child, endpoint: format!("http://127.0.0.1:{port}") };
    let deadline = Instant::now() + Duration::from_secs(60);
    while http_status(port, "GET", "/").is_none() {
        assert!(Instant::now() < deadline, "moto did not answer: {}", std::fs::read_to_string(log).unwrap_or_default());
        std::thread::sleep(Duration::from_millis(100));
    }
    assert_eq!(http_status(port, "PUT", &format!("/{BUCKET}")), Some(200), "moto creates the bucket");
    Some(moto)
}

fn s3_config(endpoint: &str) -> suveren_blob::S3Config {
    suveren_blob::S3Config {
        endpoint: endpoint.into(),
        bucket: BUCKET.into(),
        region: "us-east-1".into(),
        // moto takes any credentials; requests are signed all the same.
        access_key_id: "suveren-test".into(),
        secret_access_key: "suveren-test-secret".into(),
        prefix: Some("nordvik-inst".into()),
        allow_http: true,
    }
}

// ---------------------------------------------------------------- HTTP

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

/// An in-process server over `app`; stops when the sender is dropped.
async fn serve(app: Arc<App>) -> (String, tokio::sync::oneshot::Sender<()>, tokio::task::JoinHandle<()>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let router = suveren_api::router(app, suveren_api::HttpOptions { cookie_secure: false, trusted_proxies: vec![] });
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    let task = tokio::spawn(async move {
        suveren_api::serve(listener, router, async move {
            let _ = rx.await;
        })
        .await
        .unwrap();
    });
    (url, tx, task)
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

fn b64(bytes: &[u8]) -> String {
    const A: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for c in bytes.chunks(3) {
        let n =
            (u32::from(c[0]) << 16) | (u32::from(*c.get(1).unwrap_or(&0)) << 8) | u32::from(*c.get(2).unwrap_or(&0));
        for i in 0..4 {
            if i <= c.len() {
                out.push(A[(n >> (18 - 6 * i) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// Deterministic content for `seed`.
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

async fn sign_in(http: &reqwest::Client, url: &str, a: &Account) -> String {
    let mut body = json!({"login": a.login, "password": a.password});
    if !a.totp.is_empty() {
        let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs();
        body["totp"] = json!(suveren_identity::totp::code_at(&a.totp, now).unwrap());
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
    cookies.join("; ")
}

async fn get(http: &reqwest::Client, url: &str, path: &str, cookie: &str) -> (u16, Vec<u8>) {
    let r = http.get(format!("{url}{path}")).header(reqwest::header::COOKIE, cookie).send().await.unwrap();
    (r.status().as_u16(), r.bytes().await.unwrap().to_vec())
}

async fn get_json(http: &reqwest::Client, url: &str, path: &str, cookie: &str) -> Value {
    let (status, body) = get(http, url, path, cookie).await;
    json!({"status": status, "body": serde_json::from_slice::<Value>(&body).unwrap_or(Value::Null)})
}

/// Everything `a` sees, keyed by what was asked: drives, every listing,
/// every file's bytes (as SHA-256), trash, versions, shares, searches.
async fn view_of(http: &reqwest::Client, url: &str, a: &Account, cookie: &str, out: &mut BTreeMap<String, Value>) {
    let who = &a.login;
    let drives = get_json(http, url, "/api/v1/drives", cookie).await;
    assert_eq!(drives["status"], 200, "{who}: {drives}");
    out.insert(format!("{who} drives"), drives.clone());
    for d in drives["body"]["drives"].as_array().unwrap() {
        let id = d["id"].as_str().unwrap();
        let mut todo = vec!["/".to_string()];
        while let Some(dir) = todo.pop() {
            let q = format!("/api/v1/drives/{id}/items?path={}", enc(&dir));
            let v = get_json(http, url, &q, cookie).await;
            for c in v["body"]["children"].as_array().into_iter().flatten() {
                let p = c["path"].as_str().unwrap().to_string();
                if c["dir"].as_bool().unwrap() {
                    todo.push(p);
                    continue;
                }
                let q = format!("/api/v1/drives/{id}/content?path={}", enc(&p));
                let (status, bytes) = get(http, url, &q, cookie).await;
                out.insert(format!("{who} {q}"), json!([status, bytes.len(), hex::encode(Sha256::digest(&bytes))]));
                let q = format!("/api/v1/drives/{id}/versions?path={}", enc(&p));
                out.insert(format!("{who} {q}"), get_json(http, url, &q, cookie).await);
            }
            out.insert(format!("{who} {q}"), v);
        }
        for q in [format!("/api/v1/drives/{id}/trash"), format!("/api/v1/drives/{id}/shares")] {
            out.insert(format!("{who} {q}"), get_json(http, url, &q, cookie).await);
        }
    }
    for q in [
        "/api/v1/me/shares",
        "/api/v1/me/shared-with-me",
        "/api/v1/directory/search?q=a&limit=100",
        "/api/v1/directory/search?q=nordvik&limit=100",
        "/api/v1/directory/search?q=sara&limit=100",
        "/api/v1/search/files?q=txt",
        "/api/v1/search/files?q=plan",
    ] {
        out.insert(format!("{who} {q}"), get_json(http, url, q, cookie).await);
    }
    let admin = |t: &str| {
        ["principals?limit=10000", "groups", "org-units", "segments", "barriers"]
            .map(|p| format!("/api/v1/tenants/{t}/{p}"))
            .to_vec()
    };
    let extra = match (a.role.as_str(), who.rsplit('@').next()) {
        ("operator", _) => vec!["/api/v1/tenants".to_string(), "/api/v1/federation".into()],
        ("tenant_admin", Some("nordvik.test")) => admin("nordvik"),
        ("tenant_admin", Some("sorvik.test")) => admin("sorvik"),
        _ => vec![],
    };
    for q in extra {
        out.insert(format!("{who} {q}"), get_json(http, url, &q, cookie).await);
    }
}

async fn view(
    http: &reqwest::Client,
    url: &str,
    all: &[Account],
    cookies: &BTreeMap<String, String>,
) -> BTreeMap<String, Value> {
    let mut out = BTreeMap::new();
    for a in all {
        view_of(http, url, a, &cookies[&a.login], &mut out).await;
    }
    out
}

// ---------------------------------------------------------------- CLI

fn migrate(data: &Path, config: &Path, extra: &[&str]) -> Output {
    let mut cmd = Command::new(common::BIN);
    cmd.args(["store", "migrate", "--data"]).arg(data).arg("--to").arg(config).args(extra);
    // SUVEREN_* variables are configuration to the binary (the test's own too).
    for (k, _) in std::env::vars().filter(|(k, _)| k.starts_with("SUVEREN_")) {
        cmd.env_remove(k);
    }
    cmd.output().unwrap()
}

fn report(o: &Output, code: i32) -> Value {
    let text = String::from_utf8_lossy(&o.stdout);
    assert_eq!(
        o.status.code(),
        Some(code),
        "exit code; stdout:\n{text}\nstderr:\n{}",
        String::from_utf8_lossy(&o.stderr)
    );
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("--json prints JSON ({e}): {text}"))
}

fn write_config(path: &Path, db: &str, s3: Option<&suveren_blob::S3Config>) -> PathBuf {
    let mut t = format!("[store]\ndatabase_url = \"{db}\"\n");
    if let Some(s) = s3 {
        t.push_str(&format!(
            "\n[blobs.s3]\nendpoint = \"{}\"\nbucket = \"{}\"\nregion = \"{}\"\naccess_key_id = \"{}\"\nsecret_access_key = \"{}\"\nprefix = \"{}\"\n",
            s.endpoint,
            s.bucket,
            s.region,
            s.access_key_id,
            s.secret_access_key,
            s.prefix.as_deref().unwrap()
        ));
    }
    std::fs::write(path, t).unwrap();
    path.to_path_buf()
}

async fn chains(store: &dyn Store) -> BTreeMap<String, Vec<suveren_audit::Record>> {
    let mut out = BTreeMap::new();
    for t in store.audit_tenants().await.unwrap() {
        out.insert(t.clone(), store.audit_after(&t, 0, u32::MAX).await.unwrap());
    }
    out
}

// ---------------------------------------------------------------- the test

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_demo_moves_to_postgres_and_s3_resumably_and_users_see_the_same() {
    let Some(db_url) = suveren_store::pg_test::fresh_database().await else {
        return suveren_store::pg_test::skipped();
    };
    let dir = tempfile::tempdir().unwrap();
    let Some(moto) = start_moto(&dir.path().join("moto.log")) else {
        eprintln!("skipped: moto not installed");
        return;
    };
    let data = dir.path().join("data");
    let http = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();

    // The embedded demo, with content of every kind.
    let app = App::open_embedded(&data, Settings::default()).await.unwrap();
    app.seed_demo().await.unwrap().expect("a new demo");
    let (url, stop, task) = serve(app.clone()).await;
    let all = accounts(&data);
    let mut cookies = BTreeMap::new();
    for a in &all {
        cookies.insert(a.login.clone(), sign_in(&http, &url, a).await);
    }
    let lars = &cookies[LARS];
    let drives = get_json(&http, &url, "/api/v1/drives", lars).await;
    let home = drives["body"]["drives"].as_array().unwrap().iter().find(|d| d["kind"] == "personal").unwrap()["id"]
        .as_str()
        .unwrap()
        .to_string();
    let r = http
        .post(format!("{url}/api/v1/me/app-passwords"))
        .header(reqwest::header::COOKIE, lars)
        .json(&json!({"label": "migration test"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    let app_pw = r.json::<Value>().await.unwrap()["password"].as_str().unwrap().to_string();
    let req = |m: reqwest::Method, p: &str| http.request(m, format!("{url}{p}")).basic_auth(LARS, Some(&app_pw));
    let r = req(reqwest::Method::POST, &format!("/api/v1/drives/{home}/folders"))
        .json(&json!({"path": "/Flytting"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    for (path, seed, len) in [
        ("/Flytting/stor.bin", 1, 9 * 1024 * 1024 + 17), // a multipart put on S3
        ("/Flytting/notat æøå.txt", 2, 900),
        ("/versjonert.bin", 3, 100_000),
        ("/versjonert.bin", 4, 150_000),
        ("/versjonert.bin", 5, 120_000),
        ("/kastet.bin", 6, 5_000),
        ("/Flytting/slett.bin", 7, 70_000),
        ("/tom.txt", 8, 0),
    ] {
        let r = req(reqwest::Method::PUT, &format!("/api/v1/drives/{home}/content?path={}", enc(path)))
            .body(content(seed, len))
            .send()
            .await
            .unwrap();
        assert!(r.status().is_success(), "{path}: {}", r.status());
    }
    for path in ["/kastet.bin", "/Flytting/slett.bin"] {
        let r = req(reqwest::Method::DELETE, &format!("/api/v1/drives/{home}/items?path={}", enc(path)))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200, "{path}");
    }
    for body in [
        json!({"path": "/versjonert.bin", "principal": SIRI, "role": "viewer"}),
        json!({"path": "/Flytting", "group": "Lærere Nordvik skole", "role": "editor"}),
    ] {
        let r = req(reqwest::Method::POST, &format!("/api/v1/drives/{home}/shares")).json(&body).send().await.unwrap();
        assert_eq!(r.status(), 201, "share {body}: {}", r.text().await.unwrap());
    }
    // An upload in progress: not migrated.
    let r = req(reqwest::Method::POST, "/api/v1/uploads")
        .header("Tus-Resumable", "1.0.0")
        .header("Upload-Length", "1000000")
        .header("Upload-Metadata", format!("drive {},path {}", b64(home.as_bytes()), b64(b"/halvveis.bin")))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201, "tus create");
    let location = r.headers()[reqwest::header::LOCATION].to_str().unwrap().to_string();
    let upload = location.strip_prefix(&url).unwrap_or(&location).to_string();
    let r = req(reqwest::Method::PATCH, &upload)
        .header("Tus-Resumable", "1.0.0")
        .header("Upload-Offset", "0")
        .header(reqwest::header::CONTENT_TYPE, "application/offset+octet-stream")
        .body(content(9, 200_000))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 204, "tus patch");
    assert_eq!(req(reqwest::Method::GET, &upload).send().await.unwrap().status(), 200);

    let before = view(&http, &url, &all, &cookies).await;
    drop(stop);
    task.await.unwrap();
    drop(app);
    tokio::time::sleep(Duration::from_millis(300)).await;
    let source_chains = {
        let s = suveren_store::sqlite::SqliteStore::open_read_only(&data.join("meta.db")).await.unwrap();
        chains(&s).await
    };
    let source_db = std::fs::read(data.join("meta.db")).unwrap();

    // Interrupted after four batches of 25 rows.
    let s3 = s3_config(&moto.endpoint);
    let config = write_config(&dir.path().join("target.toml"), &db_url, Some(&s3));
    let r1 = report(&migrate(&data, &config, &["--json", "--batch-rows", "25", "--stop-after-batches", "4"]), 4);
    assert_eq!(r1["stopped"], true, "{r1}");
    assert_eq!(r1["database"]["resumed"], false, "{r1}");
    let total = r1["database"]["rows"].as_u64().unwrap();
    let first = r1["database"]["rows_copied"].as_u64().unwrap();
    assert!(first > 0 && first <= 100 && total > 100, "{r1}");
    assert_eq!(r1["not_migrated"]["uploads_in_progress"], 1, "{r1}");

    // Resumed: the tables to the end, then stopped after two blobs.
    let r2 = report(&migrate(&data, &config, &["--json", "--batch-rows", "25", "--stop-after-blobs", "2"]), 4);
    assert_eq!(r2["database"]["resumed"], true, "{r2}");
    assert_eq!(first + r2["database"]["rows_copied"].as_u64().unwrap(), total, "each row once: {r2}");
    assert_eq!(r2["blobs"]["copied"], 2, "{r2}");

    // To the end: the blobs left, then everything verified.
    let r3 = report(&migrate(&data, &config, &["--json"]), 0);
    assert_eq!(r3["ok"], true, "{r3}");
    assert_eq!(r3["database"]["rows_copied"], 0, "{r3}");
    let referenced = r3["blobs"]["referenced"].as_u64().unwrap();
    assert!(referenced >= 15, "demo files, uploads, versions and trash: {r3}");
    assert_eq!(r3["blobs"]["already_present"], 2, "{r3}");
    assert_eq!(r3["blobs"]["copied"].as_u64().unwrap(), referenced - 2, "{r3}");
    assert_eq!(r3["blobs"]["verified"].as_u64().unwrap(), referenced, "{r3}");
    assert_eq!(r3["nothing_to_do"], false);
    let tables = r3["database"]["tables"].as_array().unwrap();
    assert!(tables.len() >= 12, "{r3}");
    for t in tables {
        assert_eq!(t["source_rows"], t["target_rows"], "{t}");
        assert_eq!(t["source_sha256"], t["target_sha256"], "{t}");
    }
    let rows = |name: &str| tables.iter().find(|t| t["table"] == name).unwrap()["target_rows"].as_u64().unwrap();
    assert!(rows("audit") > 50 && rows("nodes") > 15 && rows("versions") >= 2 && rows("trash") >= 2, "{r3}");
    assert!(rows("shares") >= 2 && rows("tenant_usage") >= 2, "{r3}");

    // Again: nothing to do, verified again, nothing duplicated.
    let r4 = report(&migrate(&data, &config, &["--json"]), 0);
    assert_eq!((r4["ok"].clone(), r4["nothing_to_do"].clone()), (json!(true), json!(true)), "{r4}");
    assert_eq!(r4["database"]["tables"], r3["database"]["tables"]);
    assert_eq!(r4["blobs"]["already_present"].as_u64().unwrap(), referenced);
    let plain = migrate(&data, &config, &[]);
    let (out, err) = (String::from_utf8_lossy(&plain.stdout), String::from_utf8_lossy(&plain.stderr));
    assert!(plain.status.success(), "{out}\n{err}");
    assert!(err.contains("must be stopped"), "{err}");
    assert!(out.contains("Nothing to do") && out.contains("OK:"), "{out}");
    assert!(out.contains("not migrated: 1 upload(s) in progress"), "{out}");
    assert_eq!(std::fs::read(data.join("meta.db")).unwrap(), source_db, "the source is only read");

    // The audit chains: the same sequences, and they verify.
    let pg = suveren_store::postgres::PgStore::open(&db_url).await.unwrap();
    let target_chains = chains(&pg).await;
    assert_eq!(source_chains.keys().collect::<Vec<_>>(), target_chains.keys().collect::<Vec<_>>());
    assert_eq!(source_chains, target_chains, "identical audit chains");
    let key = suveren_service::audit::load_key(&data).unwrap();
    for t in target_chains.keys() {
        let mut buf = Vec::new();
        suveren_service::audit::export(&pg, &key, t, &mut buf).await.unwrap();
        let r = suveren_audit::verify_export(std::io::BufReader::new(&buf[..]), None).unwrap();
        assert_eq!(r.records as usize, target_chains[t].len(), "{t}");
    }

    // The migrated installation shows everyone what the embedded one did.
    let backends = Backends { database_url: Some(db_url.clone()), s3: Some(s3.clone()), ..Default::default() };
    let app2 = App::open(&data, Settings::default(), backends).await.unwrap();
    let (url2, stop2, task2) = serve(app2.clone()).await;
    let after = view(&http, &url2, &all, &cookies).await;
    assert_eq!(before.len(), after.len());
    for (k, v) in &before {
        assert_eq!(Some(v), after.get(k), "{k}");
    }
    let files = before.keys().filter(|k| k.contains("/content?")).count();
    assert!(files >= 20, "{files} file reads compared");
    let ok = before.values().filter(|v| v["status"] == 200 || v[0] == 200).count();
    eprintln!(
        "{} rows, {referenced} blobs migrated; {} answers compared ({ok} of them 200), {files} file reads",
        total,
        before.len()
    );
    let gone = http
        .get(format!("{url2}{upload}"))
        .basic_auth(LARS, Some(&app_pw))
        .header("Tus-Resumable", "1.0.0")
        .send()
        .await
        .unwrap();
    assert_eq!(gone.status(), 404, "the upload in progress was not migrated");
    // New ids continue past the copied ones.
    let r = http
        .put(format!("{url2}/api/v1/drives/{home}/content?path=/ny.txt"))
        .basic_auth(LARS, Some(&app_pw))
        .body("etter flyttingen")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201, "{}", r.text().await.unwrap());
    drop(stop2);
    task2.await.unwrap();
    drop(app2);

    // A changed row or blob on the target fails the verification, named.
    let r5 = report(&migrate(&data, &config, &["--json"]), 1);
    assert_eq!(r5["ok"], false);
    let problems = r5["problems"].to_string();
    assert!(problems.contains("table objects") || problems.contains("table audit"), "{problems}");
    assert!(problems.contains("table nodes"), "{problems}");
    let bucket = suveren_blob::S3Blobs::open(s3.clone()).await.unwrap();
    let blob = {
        let s = suveren_store::sqlite::SqliteStore::open_read_only(&data.join("meta.db")).await.unwrap();
        s.snapshot_facts().await.unwrap().blobs[0].key.clone()
    };
    let size = bucket.size(&blob).await.unwrap();
    bucket.put(&blob, &mut &vec![7u8; size as usize][..]).await.unwrap();
    let r6 = report(&migrate(&data, &config, &["--json"]), 1);
    assert!(r6["problems"].to_string().contains(&format!("blob {blob}: SHA-256 differs")), "{r6}");

    // A database that holds other data is refused, naming why.
    let other = suveren_store::pg_test::fresh_database().await.unwrap();
    let s = suveren_store::postgres::PgStore::open(&other).await.unwrap();
    s.commit(suveren_store::Batch::new().op(suveren_store::Op::insert("thing", "k", "t", None, &1))).await.unwrap();
    let cfg2 = write_config(&dir.path().join("other.toml"), &other, None);
    let o = migrate(&data, &cfg2, &[]);
    assert_eq!(o.status.code(), Some(1));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("already holds Suveren data (in objects)"), "{err}");
}
