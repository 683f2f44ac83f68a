//! Shared fixture of the fuzz targets: one demo installation per fuzzing
//! process (temporary data folder, seeded demo, a signed-in session), the
//! real router, and the checks every HTTP answer must pass.
//!
//! Built once, lazily, on the first input; every input after that reuses it,
//! so an iteration costs one request, not one installation.
//!
//! The router is the one `suveren serve` runs: the API with the WebDAV
//! routes (`suveren_dav::router`) and the web pages (`suveren_web::router`)
//! merged in.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

use axum::body::{Body, Bytes};
use axum::extract::ConnectInfo;
use axum::Router;
use base64::Engine;
use http::{header, HeaderMap, Method, Request, StatusCode};
use suveren_api::HttpOptions;
use suveren_policy::{Action, Actor, Via};
use suveren_service::{App, Ctx, Settings};

/// A demo account whose session the HTTP target uses: an ordinary employee
/// without a second factor, so signing in needs no TOTP.
pub const LARS: &str = "lars.laerer@nordvik.test";
/// A tenant administrator and auditor (TOTP enrolled).
pub const ANNA: &str = "anna.admin@nordvik.test";
/// A caseworker (TOTP enrolled), member of the Restricted "barnevern" team
/// drive, not of the teachers' drive.
pub const SIRI: &str = "siri.saksbehandler@nordvik.test";
/// The demo's team drive of the Nordvik teachers (Lars is a member).
pub const TEACHERS_DRIVE: &str = "nordvik-skole-laerere";
/// The demo's Restricted team drive (Siri is a member).
pub const BARNEVERN_DRIVE: &str = "barnevern";
/// The peer address every fuzzed request comes from (the router reads it
/// as `ConnectInfo`, which `axum::serve` would provide).
pub const PEER: ([u8; 4], u16) = ([127, 0, 0, 1], 40000);

/// One row of the demo credentials file.
#[derive(Debug, Clone)]
pub struct DemoAccount {
    pub login: String,
    pub password: String,
    pub tenant: String,
    pub role: String,
    pub totp_secret: String,
}

pub struct Fixture {
    pub rt: tokio::runtime::Runtime,
    pub app: Arc<App>,
    pub router: Router,
    pub accounts: Vec<DemoAccount>,
    /// `Cookie` header value of a session of [`LARS`].
    lars_cookie: Mutex<String>,
    /// `Cookie` header value of a session of [`ANNA`] (password and TOTP).
    anna_cookie: Mutex<String>,
    /// An app password of [`LARS`] (Basic auth for WebDAV and the API).
    pub lars_app_password: String,
    /// An app password of [`SIRI`] (made in a session with TOTP).
    pub siri_app_password: String,
    /// The id (`p-...`) of Lars's personal drive.
    pub lars_drive: String,
    /// Token of a view link Lars made on `/Info.txt` of the Open team drive
    /// `apen` (made at setup; nothing in the demo is Open).
    pub view_link: Option<String>,
    /// Token of an upload link Lars made on `/Innlevering` of `apen`.
    pub upload_link: Option<String>,
}

/// Parses the demo credentials file (login, password, tenant, role,
/// totp_secret; tab-separated, no header).
pub fn read_credentials(path: &Path) -> Vec<DemoAccount> {
    let text = std::fs::read_to_string(path).expect("demo credentials file");
    text.lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| {
            let c: Vec<&str> = l.split('\t').collect();
            let col = |i: usize| c.get(i).copied().unwrap_or("").to_string();
            DemoAccount { login: col(0), password: col(1), tenant: col(2), role: col(3), totp_secret: col(4) }
        })
        .collect()
}

/// A fresh scratch folder `suveren-fuzz-PID-TAG` for this process, in
/// `$SUVEREN_FUZZ_TMP`, else in RAM-backed `/dev/shm` where there is one
/// (each denied request writes an audit record), else in the temporary
/// folder. libFuzzer ends the process without running destructors, so the
/// folders of processes that are gone are removed here first.
pub fn scratch_dir(tag: &str) -> PathBuf {
    let parent = match std::env::var_os("SUVEREN_FUZZ_TMP") {
        Some(p) => PathBuf::from(p),
        None if Path::new("/dev/shm").is_dir() => PathBuf::from("/dev/shm"),
        None => std::env::temp_dir(),
    };
    if let Ok(entries) = std::fs::read_dir(&parent) {
        for e in entries.flatten() {
            let name = e.file_name().to_string_lossy().into_owned();
            let Some(pid) = name.strip_prefix("suveren-fuzz-").and_then(|r| r.split('-').next()) else { continue };
            if pid.parse::<u32>().is_ok() && !Path::new("/proc").join(pid).exists() {
                let _ = std::fs::remove_dir_all(e.path());
            }
        }
    }
    let dir = parent.join(format!("suveren-fuzz-{}-{tag}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("scratch folder");
    dir
}

/// Settings of the fuzzed installation: defaults, except sessions that do
/// not expire during a long fuzzing run.
pub fn settings() -> Settings {
    Settings {
        session_idle: Duration::from_secs(30 * 24 * 3600),
        session_absolute: Duration::from_secs(30 * 24 * 3600),
        ..Settings::default()
    }
}

impl Fixture {
    fn build() -> Fixture {
        let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("tokio runtime");
        let dir = scratch_dir("app");
        let (app, accounts) = rt.block_on(async {
            let app = App::open_embedded(&dir, settings()).await.expect("open the embedded installation");
            let creds = app.seed_demo().await.expect("seed the demo").expect("a fresh folder is seeded");
            (app, read_credentials(&creds))
        });
        let router = suveren_web::with_page_fallback(
            suveren_api::router(app.clone(), HttpOptions { cookie_secure: false, trusted_proxies: vec![] })
                .merge(suveren_dav::router(app.clone()))
                .merge(suveren_web::router(app.clone(), Default::default())),
        );
        let lars_drive = format!(
            "p-{}",
            app.snapshot().dir.principal_by_login(LARS).map(|p| p.id.clone()).expect("Lars is in the demo")
        );
        let mut f = Fixture {
            rt,
            app,
            router,
            accounts,
            lars_cookie: Mutex::default(),
            anna_cookie: Mutex::default(),
            lars_app_password: String::new(),
            siri_app_password: String::new(),
            lars_drive,
            view_link: None,
            upload_link: None,
        };
        for (login, slot) in [(LARS, &f.lars_cookie), (ANNA, &f.anna_cookie)] {
            let c = f.sign_in(login, 0).unwrap_or_else(|e| panic!("sign-in of {login} failed: {e}"));
            *slot.lock().unwrap_or_else(|e| e.into_inner()) = c;
        }
        let lars = f.lars_cookie();
        f.lars_app_password = f.app_password(&lars).unwrap_or_else(|e| panic!("app password of {LARS}: {e}"));
        let siri = f.sign_in(SIRI, 0).unwrap_or_else(|e| panic!("sign-in of {SIRI} failed: {e}"));
        f.siri_app_password = f.app_password(&siri).unwrap_or_else(|e| panic!("app password of {SIRI}: {e}"));
        // Links for the link routes of http_api (`$link`, `$upload` there).
        // Only Open content may be linked, and nothing in the demo is Open:
        // Anna makes an Open team drive `apen` with Lars as owner; Lars puts
        // a file and a folder there and links them. A refusal only costs
        // those routes their reach.
        let anna = f.anna_cookie();
        let new_drive = r#"{"name":"Åpen","slug":"apen","level":0,"members":[{"principal":"lars.laerer@nordvik.test","role":"owner"}]}"#;
        let (status, resp) =
            f.call(Method::POST, "/api/v1/tenants/nordvik/drives", &anna, "application/json", new_drive.as_bytes());
        let open = serde_json::from_slice::<serde_json::Value>(&resp)
            .ok()
            .and_then(|v| v.get("id").and_then(|t| t.as_str()).map(str::to_string));
        match open {
            None => eprintln!("suveren-fuzz: no Open team drive: {status} {}", String::from_utf8_lossy(&resp)),
            Some(d) => {
                let _ = f.call(
                    Method::POST,
                    &format!("/api/v1/drives/{d}/folders"),
                    &lars,
                    "application/json",
                    br#"{"path":"/Innlevering"}"#,
                );
                let info = "Åpen informasjon om skoleåret.\n".as_bytes();
                let _ = f.call(
                    Method::PUT,
                    &format!("/api/v1/drives/{d}/content?path=/Info.txt"),
                    &lars,
                    "text/plain",
                    info,
                );
                let uri = format!("/api/v1/drives/{d}/shares");
                for (path, mode) in [("/Info.txt", "view"), ("/Innlevering", "upload")] {
                    let body = serde_json::json!({"path": path, "link": mode}).to_string();
                    let (status, resp) = f.call(Method::POST, &uri, &lars, "application/json", body.as_bytes());
                    let token = serde_json::from_slice::<serde_json::Value>(&resp)
                        .ok()
                        .and_then(|v| v.get("token").and_then(|t| t.as_str()).map(str::to_string));
                    if token.is_none() {
                        eprintln!(
                            "suveren-fuzz: no {mode} link on {path}: {status} {}",
                            String::from_utf8_lossy(&resp)
                        );
                    }
                    if mode == "view" {
                        f.view_link = token
                    } else {
                        f.upload_link = token
                    }
                }
            }
        }
        f
    }

    /// One API request with a session `cookie` (setup); status and body,
    /// and a note on stderr if it failed.
    fn call(&self, method: Method, uri: &str, cookie: &str, ct: &str, body: &[u8]) -> (StatusCode, Bytes) {
        let req = Request::builder()
            .method(method.clone())
            .uri(uri)
            .header(header::CONTENT_TYPE, ct)
            .header(header::COOKIE, cookie)
            .header(header::CONTENT_LENGTH, body.len())
            .body(Body::from(body.to_vec()))
            .expect("setup request");
        let (status, _, resp) = self.send(req);
        if !status.is_success() {
            eprintln!("suveren-fuzz: {method} {uri}: {status} {}", String::from_utf8_lossy(&resp));
        }
        (status, resp)
    }

    /// Creates an app password through the API with the session `cookie`.
    fn app_password(&self, cookie: &str) -> Result<String, String> {
        let req = Request::post("/api/v1/me/app-passwords")
            .header(header::CONTENT_TYPE, "application/json")
            .header(header::COOKIE, cookie)
            .body(Body::from(r#"{"label":"fuzz"}"#))
            .expect("app password request");
        let (status, _, resp) = self.send(req);
        let v: serde_json::Value = serde_json::from_slice(&resp).map_err(|e| format!("{status}: {e}"))?;
        v.get("password")
            .and_then(|p| p.as_str())
            .map(str::to_string)
            .ok_or_else(|| format!("{status}: {}", String::from_utf8_lossy(&resp)))
    }

    /// `Authorization` header value: Basic with `login` and its app password
    /// ([`LARS`] or [`SIRI`]).
    pub fn basic(&self, login: &str) -> String {
        let pw = if login == SIRI { &self.siri_app_password } else { &self.lars_app_password };
        format!("Basic {}", base64::engine::general_purpose::STANDARD.encode(format!("{login}:{pw}")))
    }

    /// The id of a demo drive: a login's personal drive (`p-...`) or a
    /// team drive by slug (`d-...`); `None` if there is no such principal.
    pub fn drive_id(&self, login_or_slug: &str) -> Option<String> {
        if login_or_slug.contains('@') {
            self.app.snapshot().dir.principal_by_login(login_or_slug).map(|p| format!("p-{}", p.id))
        } else {
            Some(format!("d-{login_or_slug}"))
        }
    }

    /// Signs a demo account in through the API (password, and the TOTP code
    /// `step` steps after the current one where the account has a second
    /// factor); the `Cookie` header value of the new session.
    pub fn sign_in(&self, login: &str, step: u64) -> Result<String, String> {
        let a = self.account(login).clone();
        let mut body = serde_json::json!({"login": a.login, "password": a.password});
        if !a.totp_secret.is_empty() {
            let at = suveren_service::now_unix() as u64 + 30 * step;
            body["totp"] = suveren_identity::totp::code_at(&a.totp_secret, at).map_err(|e| e.to_string())?.into();
        }
        let req = Request::post("/api/v1/auth/login")
            .header(header::CONTENT_TYPE, "application/json")
            .body(Body::from(body.to_string()))
            .expect("login request");
        let (status, headers, resp) = self.send(req);
        if status != StatusCode::OK {
            return Err(format!("{status}: {}", String::from_utf8_lossy(&resp)));
        }
        let set = headers.get(header::SET_COOKIE).and_then(|v| v.to_str().ok()).ok_or("no session cookie")?;
        Ok(set.split(';').next().unwrap_or_default().to_string())
    }

    /// The `Cookie` header value of Lars's session.
    pub fn lars_cookie(&self) -> String {
        self.lars_cookie.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }

    /// The `Cookie` header value of Anna's session.
    pub fn anna_cookie(&self) -> String {
        self.anna_cookie.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }

    /// Checks that the shared sessions still work and signs in again where
    /// one ended (an input signed it out or changed the account in a way
    /// the targets' guards did not foresee). Says so on stderr: if it
    /// happens often, a guard is missing.
    pub fn keep_sessions(&self) {
        for (login, slot) in [(LARS, &self.lars_cookie), (ANNA, &self.anna_cookie)] {
            let cookie = slot.lock().unwrap_or_else(|e| e.into_inner()).clone();
            let req = Request::get("/api/v1/auth/session")
                .header(header::COOKIE, cookie)
                .body(Body::empty())
                .expect("request");
            if self.send(req).0 == StatusCode::OK {
                continue;
            }
            // The next TOTP step, in case this step's code was used already.
            match self.sign_in(login, 0).or_else(|_| self.sign_in(login, 1)) {
                Ok(c) => {
                    eprintln!("suveren-fuzz: the session of {login} had ended; signed in again");
                    *slot.lock().unwrap_or_else(|e| e.into_inner()) = c;
                }
                Err(e) => eprintln!("suveren-fuzz: the session of {login} ended and signing in again failed: {e}"),
            }
        }
    }

    pub fn account(&self, login: &str) -> &DemoAccount {
        self.accounts.iter().find(|a| a.login == login).unwrap_or_else(|| panic!("{login} is a demo account"))
    }

    /// Sends one request through the whole router (middleware included),
    /// from [`PEER`] unless the request names another `ConnectInfo`.
    pub fn send(&self, req: Request<Body>) -> (StatusCode, HeaderMap, Bytes) {
        send_with(&self.rt, &self.router, req)
    }

    /// A request context as the edge would build it for a signed-in
    /// principal with a passed second factor.
    pub fn ctx_for(&self, login: &str, action: Action) -> Ctx {
        let p = self
            .app
            .snapshot()
            .dir
            .principal_by_login(login)
            .cloned()
            .unwrap_or_else(|| panic!("{login} is in the directory"));
        Ctx {
            actor: Actor { principal: Some(p), mfa: true, via: Via::Session, grants: vec![] },
            action,
            client: None,
            request_id: "fuzz".into(),
            session: None,
            note: None,
        }
    }
}

fn send_with(rt: &tokio::runtime::Runtime, router: &Router, mut req: Request<Body>) -> (StatusCode, HeaderMap, Bytes) {
    use tower::ServiceExt;
    if req.extensions().get::<ConnectInfo<SocketAddr>>().is_none() {
        req.extensions_mut().insert(ConnectInfo(SocketAddr::from(PEER)));
    }
    let router = router.clone();
    rt.block_on(async move {
        let res = router.oneshot(req).await.expect("the router is infallible");
        let (parts, body) = res.into_parts();
        let bytes = axum::body::to_bytes(body, usize::MAX).await.expect("response body");
        (parts.status, parts.headers, bytes)
    })
}

/// The process-wide fixture, built on first use.
pub fn fixture() -> &'static Fixture {
    static F: OnceLock<Fixture> = OnceLock::new();
    F.get_or_init(Fixture::build)
}

/// The contract of the HTTP edge for any input: never a 5xx, and every 4xx
/// is an RFC 9457 problem document (`application/problem+json` whose
/// `status` member equals the HTTP status). Panics (a fuzzer finding)
/// otherwise, naming the request.
pub fn check_answer(method: &Method, uri: &str, status: StatusCode, headers: &HeaderMap, body: &[u8]) {
    let show = || format!("{method} {uri} -> {status}: {}", String::from_utf8_lossy(&body[..body.len().min(2000)]));
    assert!(!status.is_server_error(), "server error: {}", show());
    if status.is_client_error() {
        let ct = headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or("");
        assert!(ct.starts_with("application/problem+json"), "4xx with content-type `{ct}`: {}", show());
        if method == Method::HEAD {
            return; // no body on HEAD
        }
        let v: serde_json::Value =
            serde_json::from_slice(body).unwrap_or_else(|e| panic!("4xx body is not JSON ({e}): {}", show()));
        assert_eq!(
            v.get("status").and_then(|s| s.as_u64()),
            Some(u64::from(status.as_u16())),
            "problem status differs: {}",
            show()
        );
        for k in ["type", "title", "detail"] {
            assert!(v.get(k).is_some_and(|x| x.is_string()), "problem without `{k}`: {}", show());
        }
    }
}

/// Whether `SUVEREN_FUZZ_TRACE` is set: targets then print each request
/// and answer to stderr (for reading what a seed or a crash input does).
pub fn trace() -> bool {
    static T: OnceLock<bool> = OnceLock::new();
    *T.get_or_init(|| std::env::var_os("SUVEREN_FUZZ_TRACE").is_some())
}

/// Decodes `%XX` escapes (invalid ones stay as they are).
pub fn percent_decode(bytes: &[u8]) -> Vec<u8> {
    let hex = |b: u8| (b as char).to_digit(16).map(|d| d as u8);
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' && i + 2 < bytes.len() {
            if let (Some(h), Some(l)) = (hex(bytes[i + 1]), hex(bytes[i + 2])) {
                out.push(h << 4 | l);
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    out
}

/// Whether `hay` mentions `needle`, ignoring ASCII case.
pub fn mentions(hay: &[u8], needle: &str) -> bool {
    let n = needle.as_bytes();
    !n.is_empty() && hay.windows(n.len()).any(|w| w.eq_ignore_ascii_case(n))
}

/// Percent-encodes `bytes` for a path segment or query. `raw` keeps every
/// printable ASCII byte as it is (so the fuzzer can write its own `%`
/// escapes, `/`, `..`, `&`, `=`) except the delimiters that would end the
/// component; otherwise only RFC 3986 unreserved bytes stay (and, in a
/// query, `=` and `&`, so that the fuzzer's pairs stay pairs).
pub fn encode(bytes: &[u8], raw: bool, query: bool) -> String {
    let mut s = String::with_capacity(bytes.len() * 3);
    for &b in bytes {
        let keep = if raw {
            (0x21..=0x7e).contains(&b) && b != b'#' && (query || b != b'?')
        } else {
            b.is_ascii_alphanumeric() || b"-._~".contains(&b) || (query && b"=&".contains(&b))
        };
        if keep {
            s.push(b as char);
        } else {
            s.push_str(&format!("%{b:02X}"));
        }
    }
    s
}

/// The audit signing key of the audit_verify seeds: fixed bytes, so the
/// committed seed exports verify against [`seed_audit_key`]'s public key.
/// A test key; it signs nothing but fuzz inputs.
pub fn seed_audit_key() -> suveren_audit::AuditKey {
    use ed25519_dalek::pkcs8::EncodePrivateKey;
    let sk = ed25519_dalek::SigningKey::from_bytes(&[0x5e; 32]);
    let pem = sk.to_pkcs8_pem(Default::default()).expect("PKCS#8 encoding");
    suveren_audit::AuditKey::from_pkcs8_pem(&pem).expect("seed audit key")
}
