//! Shared setup for the API integration tests: an in-process server on the
//! seeded demo installation, HTTP clients, TOTP codes without replays, and
//! problem+json checks.
#![allow(dead_code)]

use std::collections::{BTreeMap, HashMap};
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use reqwest::header::{HeaderMap, HeaderValue};
use reqwest::Method;
use serde_json::Value;
use suveren_api::HttpOptions;
use suveren_service::{App, Settings};

/// One line of `demo-credentials.tsv`.
#[derive(Debug, Clone)]
pub struct Cred {
    pub password: String,
    pub tenant: String,
    pub role: String,
    pub totp: Option<String>,
}

pub struct Server {
    pub app: Arc<App>,
    pub addr: SocketAddr,
    pub base: String,
    pub creds: BTreeMap<String, Cred>,
    /// Highest TOTP step this test has used per account: the server accepts
    /// each step once, so the next login must use a later one.
    steps: Mutex<HashMap<String, u64>>,
    pub data: tempfile::TempDir,
}

/// The demo installation with default settings, no proxies trusted.
pub async fn start() -> Server {
    start_with(Settings::default(), HttpOptions { cookie_secure: false, trusted_proxies: vec![] }).await
}

pub async fn start_with(settings: Settings, opts: HttpOptions) -> Server {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    start_on(listener, settings, opts).await
}

/// Like [`start_with`] on a listener bound beforehand (when the settings
/// need the port, as the OIDC redirect URL does).
pub async fn start_on(listener: tokio::net::TcpListener, settings: Settings, opts: HttpOptions) -> Server {
    let data = tempfile::tempdir().expect("tempdir");
    // The embedded default, or PostgreSQL and S3 when SUVEREN_TEST_PG / SUVEREN_TEST_S3 name them.
    let backends = suveren_service::cluster::test_backends().await;
    let app = App::open(data.path(), settings, backends).await.expect("open the installation");
    let path = app.seed_demo().await.expect("seed demo").expect("first start writes the credentials file");
    let creds = read_creds(&std::fs::read_to_string(path).expect("credentials file"));
    let router = suveren_api::router(app.clone(), opts).merge(suveren_dav::router(app.clone()));
    let addr = listener.local_addr().expect("local addr");
    tokio::spawn(suveren_api::serve(listener, router, std::future::pending()));
    Server { app, addr, base: format!("http://{addr}"), creds, steps: Mutex::new(HashMap::new()), data }
}

fn read_creds(tsv: &str) -> BTreeMap<String, Cred> {
    tsv.lines()
        .filter(|l| !l.is_empty())
        .map(|l| {
            let f: Vec<&str> = l.split('\t').collect();
            assert_eq!(f.len(), 5, "credentials line has five columns: {l:?}");
            let totp = Some(f[4].to_string()).filter(|s| !s.is_empty());
            (f[0].to_string(), Cred { password: f[1].into(), tenant: f[2].into(), role: f[3].into(), totp })
        })
        .collect()
}

pub fn unix_now() -> u64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).expect("clock").as_secs()
}

impl Server {
    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.base, path)
    }

    pub fn password(&self, login: &str) -> String {
        self.creds.get(login).unwrap_or_else(|| panic!("no demo credentials for {login}")).password.clone()
    }

    /// A browser-like client: keeps cookies, does not follow redirects.
    pub fn client(&self) -> Client {
        self.client_with(HeaderMap::new(), true)
    }

    pub fn client_with(&self, headers: HeaderMap, cookies: bool) -> Client {
        let inner = reqwest::Client::builder()
            .cookie_store(cookies)
            .redirect(reqwest::redirect::Policy::none())
            .default_headers(headers)
            .timeout(Duration::from_secs(60))
            .build()
            .expect("client");
        Client { inner, base: self.base.clone() }
    }

    /// A client that sends exactly this session token and keeps no cookies,
    /// so the server alone decides whether the token still counts.
    pub fn with_token(&self, token: &str) -> Client {
        let mut h = HeaderMap::new();
        h.insert(
            reqwest::header::COOKIE,
            HeaderValue::from_str(&format!("suveren_session={token}")).expect("cookie header"),
        );
        self.client_with(h, false)
    }

    /// A client that authenticates every request with HTTP Basic.
    pub fn basic(&self, login: &str, password: &str) -> Client {
        use base64::Engine;
        let v = base64::engine::general_purpose::STANDARD.encode(format!("{login}:{password}"));
        let mut h = HeaderMap::new();
        h.insert(reqwest::header::AUTHORIZATION, HeaderValue::from_str(&format!("Basic {v}")).expect("basic header"));
        self.client_with(h, false)
    }

    /// A client whose requests claim to come from `ip` via the (trusted)
    /// reverse proxy on 127.0.0.1.
    pub fn forwarded_for(&self, ip: &str) -> Client {
        let mut h = HeaderMap::new();
        h.insert("x-forwarded-for", HeaderValue::from_str(ip).expect("xff header"));
        self.client_with(h, true)
    }

    /// A fresh authenticator code for `login`, never one this test used
    /// before (waits for the next 30-second step when needed).
    pub async fn next_totp(&self, login: &str) -> Option<String> {
        let secret = self.creds.get(login)?.totp.clone()?;
        loop {
            let now_step = unix_now() / 30;
            let step = {
                let mut steps = self.steps.lock().expect("steps lock");
                let step = steps.get(login).map_or(now_step, |last| (last + 1).max(now_step));
                // The server accepts one step either side of its clock.
                if step <= now_step + 1 {
                    steps.insert(login.to_string(), step);
                    Some(step)
                } else {
                    None
                }
            };
            match step {
                Some(step) => return Some(suveren_identity::totp::code_at(&secret, step * 30).expect("totp code")),
                None => tokio::time::sleep(Duration::from_millis(500)).await,
            }
        }
    }

    /// The login request body for a demo account, with a fresh TOTP code
    /// where the account has an authenticator.
    pub async fn login_body(&self, login: &str) -> Value {
        let mut body = serde_json::json!({"login": login, "password": self.password(login)});
        if let Some(code) = self.next_totp(login).await {
            body["totp"] = Value::String(code);
        }
        body
    }

    /// Signs a demo account in on a new cookie-keeping client.
    pub async fn login(&self, login: &str) -> Client {
        let c = self.client();
        c.login(self, login).await;
        c
    }

    /// Signs in an account created by the test (password only).
    pub async fn login_password(&self, login: &str, password: &str) -> Client {
        let c = self.client();
        let r = c.post("/api/v1/auth/login", &serde_json::json!({"login": login, "password": password})).await;
        assert_eq!(r.status, 200, "{login} signs in: {}", r.text());
        c
    }

    /// How many principals `admin` (a client of a nordvik tenant admin) sees in nordvik.
    pub async fn principal_logins(&self, admin: &Client, tenant: &str) -> Vec<String> {
        let r = admin.get(&format!("/api/v1/tenants/{tenant}/principals?limit=1000")).await;
        assert_eq!(r.status, 200, "list principals: {}", r.text());
        r.json()["principals"]
            .as_array()
            .expect("principals array")
            .iter()
            .map(|p| p["login"].as_str().expect("login").to_string())
            .collect()
    }
}

#[derive(Clone)]
pub struct Client {
    pub inner: reqwest::Client,
    base: String,
}

#[derive(Debug)]
pub struct Resp {
    pub status: u16,
    pub headers: HeaderMap,
    pub body: Vec<u8>,
}

impl Resp {
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|e| panic!("status {}: body is not JSON ({e}): {}", self.status, self.text()))
    }

    pub fn header(&self, name: &str) -> Option<String> {
        self.headers.get(name).and_then(|v| v.to_str().ok()).map(str::to_string)
    }

    /// The value of the session cookie this answer sets, if any.
    pub fn session_cookie(&self) -> Option<String> {
        self.headers.get_all(reqwest::header::SET_COOKIE).iter().filter_map(|v| v.to_str().ok()).find_map(|c| {
            let first = c.split(';').next()?;
            let (k, v) = first.split_once('=')?;
            (k.trim() == "suveren_session" || k.trim() == "__Host-suveren_session").then(|| v.trim().to_string())
        })
    }

    /// Asserts an RFC 9457 problem answer with this status and returns its body.
    pub fn problem(&self, status: u16) -> Value {
        assert_eq!(self.status, status, "expected {status}, got {}: {}", self.status, self.text());
        let ct = self.header("content-type").unwrap_or_default();
        assert!(
            ct.starts_with("application/problem+json"),
            "content type of a {status} answer is {ct:?}: {}",
            self.text()
        );
        let b = self.json();
        assert_eq!(b["status"], status, "`status` field equals the HTTP status: {b}");
        for f in ["type", "title", "detail"] {
            assert!(b[f].as_str().is_some_and(|s| !s.trim().is_empty()), "problem has a non-empty `{f}`: {b}");
        }
        b
    }
}

impl Client {
    pub fn req(&self, method: Method, path: &str) -> reqwest::RequestBuilder {
        self.inner.request(method, format!("{}{}", self.base, path))
    }

    pub async fn send(&self, rb: reqwest::RequestBuilder) -> Resp {
        let r = rb.send().await.expect("request sent");
        let status = r.status().as_u16();
        let headers = r.headers().clone();
        let body = r.bytes().await.expect("body read").to_vec();
        Resp { status, headers, body }
    }

    pub async fn get(&self, path: &str) -> Resp {
        self.send(self.req(Method::GET, path)).await
    }

    pub async fn post(&self, path: &str, body: &Value) -> Resp {
        self.send(self.req(Method::POST, path).json(body)).await
    }

    pub async fn put(&self, path: &str, body: &Value) -> Resp {
        self.send(self.req(Method::PUT, path).json(body)).await
    }

    pub async fn patch(&self, path: &str, body: &Value) -> Resp {
        self.send(self.req(Method::PATCH, path).json(body)).await
    }

    pub async fn delete(&self, path: &str) -> Resp {
        self.send(self.req(Method::DELETE, path)).await
    }

    /// Signs a demo account in on this client and returns the answer.
    pub async fn login(&self, server: &Server, login: &str) -> Resp {
        let body = server.login_body(login).await;
        let r = self.post("/api/v1/auth/login", &body).await;
        assert_eq!(r.status, 200, "{login} signs in: {}", r.text());
        r
    }

    /// Logins found by a directory search (first page, up to 100).
    pub async fn search(&self, q: &str) -> Vec<String> {
        let r = self.send(self.req(Method::GET, "/api/v1/directory/search").query(&[("q", q), ("limit", "100")])).await;
        assert_eq!(r.status, 200, "search {q:?}: {}", r.text());
        r.json()["results"]
            .as_array()
            .expect("results array")
            .iter()
            .map(|h| h["login"].as_str().expect("login").to_string())
            .collect()
    }
}
