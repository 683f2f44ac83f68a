//! Real S3 servers for the tests, started by the test binary itself on
//! loopback ports: moto (`python3 -m moto.server`, from
//! `tests/s3/requirements.txt`) always when installed, and Garage, the
//! reference server, when `SUVEREN_TEST_GARAGE` names its binary. One server per
//! test binary; each test gets its own prefix in the shared bucket, so
//! tests stay apart and the prefix mapping is exercised throughout.
//!
//! Without moto the S3 tests print `skipped: moto not installed` and pass,
//! unless `SUVEREN_TEST_REQUIRE_S3=1` (CI), which makes that a failure.
//!
//! A server is stopped when its [`Server`] is dropped; the shared ones
//! live in statics, which are never dropped, so every server runs under a
//! small shell watchdog that stops it once the test process is gone.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

use futures_util::TryStreamExt;
use object_store::aws::AmazonS3Builder;
use object_store::{ObjectStore, ObjectStoreExt};
use suveren_blob::{S3Blobs, S3Config};

use super::Env;

pub const BUCKET: &str = "suveren-test";

/// A running S3 server with a bucket and a key that may use it.
pub struct Server {
    pub kind: &'static str,
    pub endpoint: String,
    pub region: String,
    pub bucket: String,
    pub access_key_id: String,
    pub secret_access_key: String,
    child: Mutex<Option<Child>>,
    pub dir: tempfile::TempDir,
}

impl Drop for Server {
    fn drop(&mut self) {
        if let Some(mut child) = self.child.lock().unwrap().take() {
            // The watchdog leads its own process group (see `spawn_watched`):
            // TERM to that group stops it and the server it started.
            let _ = Command::new("kill").args(["-TERM", "--", &format!("-{}", child.id())]).status();
            let _ = child.wait();
        }
    }
}

impl Server {
    /// A config for this server, under `prefix`.
    pub fn config(&self, prefix: Option<String>) -> S3Config {
        S3Config {
            endpoint: self.endpoint.clone(),
            bucket: self.bucket.clone(),
            region: self.region.clone(),
            access_key_id: self.access_key_id.clone(),
            secret_access_key: self.secret_access_key.clone(),
            prefix,
            allow_http: true,
        }
    }

    /// A plain `object_store` client for the bucket, to look at what
    /// `S3Blobs` stored without going through it.
    pub fn raw_client(&self) -> object_store::aws::AmazonS3 {
        AmazonS3Builder::new()
            .with_endpoint(&self.endpoint)
            .with_bucket_name(&self.bucket)
            .with_region(&self.region)
            .with_access_key_id(&self.access_key_id)
            .with_secret_access_key(&self.secret_access_key)
            .with_allow_http(true)
            .with_virtual_hosted_style_request(false)
            .build()
            .unwrap()
    }

    /// Names of every object under `prefix` (the whole bucket for `None`).
    pub async fn names_under(&self, prefix: Option<&str>) -> Vec<String> {
        let client = self.raw_client();
        let prefix = prefix.map(object_store::path::Path::from);
        let metas: Vec<_> = client.list(prefix.as_ref()).try_collect().await.unwrap();
        metas.into_iter().map(|m| m.location.to_string()).collect()
    }

    /// The bytes of every object under `prefix`.
    pub async fn objects_under(&self, prefix: Option<&str>) -> Vec<Vec<u8>> {
        let client = self.raw_client();
        let mut out = Vec::new();
        for name in self.names_under(prefix).await {
            let got = client.get(&object_store::path::Path::from(name)).await.unwrap();
            out.push(got.bytes().await.unwrap().to_vec());
        }
        out
    }
}

static NEXT_PREFIX: AtomicU32 = AtomicU32::new(0);

/// A fresh environment on `server`: its own prefix in the shared bucket.
pub async fn env_on(server: &Arc<Server>) -> Env {
    let n = NEXT_PREFIX.fetch_add(1, Ordering::Relaxed);
    let prefix = format!("t{n}-{}", hex::encode(rand::random::<[u8; 4]>()));
    let config = server.config(Some(prefix));
    let store = S3Blobs::open(config.clone()).await.unwrap();
    Env::from_s3(store, config, server.clone())
}

fn required() -> bool {
    std::env::var("SUVEREN_TEST_REQUIRE_S3").is_ok_and(|v| v == "1")
}

/// The shared moto server, `None` when moto is not installed.
pub fn moto() -> Option<Arc<Server>> {
    static MOTO: OnceLock<Option<Arc<Server>>> = OnceLock::new();
    MOTO.get_or_init(|| start_moto().map(Arc::new)).clone()
}

/// An environment on moto, or `None` (skip) when moto is not installed.
pub async fn moto_env() -> Option<Env> {
    match moto() {
        Some(server) => Some(env_on(&server).await),
        None if required() => {
            panic!("SUVEREN_TEST_REQUIRE_S3=1 but moto cannot be started: pip install -r tests/s3/requirements.txt")
        }
        None => {
            eprintln!("skipped: moto not installed");
            None
        }
    }
}

/// The shared Garage server, when `SUVEREN_TEST_GARAGE` names its binary.
pub fn garage() -> Option<Arc<Server>> {
    static GARAGE: OnceLock<Option<Arc<Server>>> = OnceLock::new();
    GARAGE
        .get_or_init(|| std::env::var_os("SUVEREN_TEST_GARAGE").map(|bin| Arc::new(start_garage(Path::new(&bin)))))
        .clone()
}

/// An environment on Garage, or `None` (skip) without `SUVEREN_TEST_GARAGE`.
pub async fn garage_env() -> Option<Env> {
    match garage() {
        Some(server) => Some(env_on(&server).await),
        None => {
            eprintln!("skipped: SUVEREN_TEST_GARAGE not set");
            None
        }
    }
}

/// Runs `program args` under a shell that stops it when this test process
/// is gone and then removes `dir` (a server in a static is never dropped),
/// in a process group of its own; output goes to `dir/log`.
fn spawn_watched(program: &Path, args: &[&str], dir: &Path, log: &str) -> std::io::Result<Child> {
    use std::os::unix::process::CommandExt;
    const WATCHDOG: &str = r#"parent=$1; dir=$2; shift 2
"$@" &
child=$!
stop() { kill $child 2>/dev/null; wait $child 2>/dev/null; rm -rf "$dir"; exit 0; }
trap stop TERM INT HUP
while kill -0 "$parent" 2>/dev/null && kill -0 "$child" 2>/dev/null; do sleep 1; done
stop
"#;
    let log = std::fs::File::create(dir.join(log))?;
    Command::new("sh")
        .arg("-c")
        .arg(WATCHDOG)
        .arg("sh")
        .arg(std::process::id().to_string())
        .arg(dir)
        .arg(program)
        .args(args)
        .stdin(Stdio::null())
        .stdout(log.try_clone()?)
        .stderr(log)
        .process_group(0)
        .spawn()
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

/// One HTTP/1.0 request without a body; the status code, if any answer.
fn http_status(port: u16, method: &str, path: &str) -> Option<u16> {
    let mut stream = TcpStream::connect(("127.0.0.1", port)).ok()?;
    stream.set_read_timeout(Some(Duration::from_secs(10))).ok()?;
    write!(stream, "{method} {path} HTTP/1.0\r\nHost: 127.0.0.1:{port}\r\nContent-Length: 0\r\n\r\n").ok()?;
    let mut head = [0u8; 12];
    stream.read_exact(&mut head).ok()?;
    std::str::from_utf8(&head).ok()?.strip_prefix("HTTP/1.")?.get(2..5)?.parse().ok()
}

fn wait_for_http(port: u16, log: &Path) {
    let deadline = Instant::now() + Duration::from_secs(60);
    while http_status(port, "GET", "/").is_none() {
        assert!(Instant::now() < deadline, "the S3 server did not answer in 60 s; log:\n{}", read_log(log));
        std::thread::sleep(Duration::from_millis(100));
    }
}

fn read_log(log: &Path) -> String {
    std::fs::read_to_string(log).unwrap_or_default()
}

fn start_moto() -> Option<Server> {
    let installed = Command::new("python3")
        .args(["-c", "import moto.server"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    if !installed {
        return None;
    }
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("moto.log");
    let port = free_port();
    let port_arg = port.to_string();
    let child = spawn_watched(
        Path::new("python3"),
        &["-m", "moto.server", "-H", "127.0.0.1", "-p", &port_arg],
        dir.path(),
        "moto.log",
    )
    .expect("spawn moto");
    let server = Server {
        kind: "moto",
        endpoint: format!("http://127.0.0.1:{port}"),
        region: "us-east-1".into(),
        bucket: BUCKET.into(),
        // moto takes any credentials; the requests are signed all the same.
        access_key_id: "suveren-test".into(),
        secret_access_key: "suveren-test-secret".into(),
        child: Mutex::new(Some(child)),
        dir,
    };
    wait_for_http(port, &log);
    let status = http_status(port, "PUT", &format!("/{BUCKET}"));
    assert_eq!(status, Some(200), "moto did not create the bucket; log:\n{}", read_log(&log));
    Some(server)
}

/// A single-node Garage in a temp folder: config, server, layout, bucket
/// and key, all through its own CLI.
fn start_garage(bin: &Path) -> Server {
    let dir = tempfile::tempdir().unwrap();
    let (rpc, s3) = (free_port(), free_port());
    let conf = dir.path().join("garage.toml");
    let log = dir.path().join("garage.log");
    let root = dir.path().display();
    std::fs::write(
        &conf,
        format!(
            r#"metadata_dir = "{root}/meta"
data_dir = "{root}/data"
db_engine = "sqlite"
replication_factor = 1
rpc_bind_addr = "127.0.0.1:{rpc}"
rpc_public_addr = "127.0.0.1:{rpc}"
rpc_secret = "{secret}"

[s3_api]
s3_region = "garage"
api_bind_addr = "127.0.0.1:{s3}"
root_domain = ".s3.garage.localhost"
"#,
            secret = hex::encode(rand::random::<[u8; 32]>()),
        ),
    )
    .unwrap();
    let conf_arg = conf.display().to_string();
    let child = spawn_watched(bin, &["-c", &conf_arg, "server"], dir.path(), "garage.log").expect("spawn garage");
    let mut server = Server {
        kind: "garage",
        endpoint: format!("http://127.0.0.1:{s3}"),
        region: "garage".into(),
        bucket: BUCKET.into(),
        access_key_id: String::new(),
        secret_access_key: String::new(),
        child: Mutex::new(Some(child)),
        dir,
    };
    let cli = |args: &[&str]| -> Result<String, String> {
        let out = Command::new(bin).arg("-c").arg(&conf).args(args).output().map_err(|e| e.to_string())?;
        let text = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
        if out.status.success() {
            Ok(text)
        } else {
            Err(text)
        }
    };
    // Retried while the node starts (RPC) and while the layout spreads.
    let retry = |args: &[&str]| -> String {
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            match cli(args) {
                Ok(out) => return out,
                Err(e) if Instant::now() > deadline => {
                    panic!("garage {args:?} failed: {e}\nserver log:\n{}", read_log(&log))
                }
                Err(_) => std::thread::sleep(Duration::from_millis(200)),
            }
        }
    };
    let id_line = retry(&["node", "id", "-q"]);
    let id = id_line.trim().split('@').next().unwrap().to_owned();
    retry(&["layout", "assign", "-z", "dc1", "-c", "1G", &id]);
    retry(&["layout", "apply", "--version", "1"]);
    retry(&["bucket", "create", BUCKET]);
    let key = retry(&["key", "create", "suveren-test-key"]);
    let words = || key.split(|c: char| c.is_whitespace() || c == '"' || c == ',');
    server.access_key_id =
        words().find(|w| w.starts_with("GK")).unwrap_or_else(|| panic!("no key id in {key:?}")).to_owned();
    server.secret_access_key = words()
        .find(|w| w.len() == 64 && w.bytes().all(|b| b.is_ascii_hexdigit()))
        .unwrap_or_else(|| panic!("no secret in {key:?}"))
        .to_owned();
    retry(&["bucket", "allow", "--read", "--write", "--owner", BUCKET, "--key", "suveren-test-key"]);
    wait_for_http(s3, &log);
    server
}

/// Where the log of `server` is, for failure messages.
pub fn log_of(server: &Server) -> PathBuf {
    server.dir.path().join(format!("{}.log", server.kind))
}
