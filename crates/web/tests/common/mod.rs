//! Shared setup for the web UI tests: the demo installation served with
//! the API and the pages, browser-like clients (cookies, our Origin, a
//! language), form sign-in and CSRF tokens from pages.
#![allow(dead_code)]

use std::collections::BTreeMap;
use std::sync::Arc;

use reqwest::header::{HeaderMap, HeaderValue};
use reqwest::redirect::Policy;
use suveren_service::{App, Settings};

pub struct Server {
    pub base: String,
    pub creds: BTreeMap<String, (String, Option<String>)>,
    pub app: Arc<App>,
    _data: tempfile::TempDir,
}

pub async fn start() -> Server {
    start_with(Settings::default()).await
}

pub async fn start_with(settings: Settings) -> Server {
    let data = tempfile::tempdir().unwrap();
    let backends = suveren_service::cluster::test_backends().await;
    let app = App::open(data.path(), settings, backends).await.unwrap();
    let path = app.seed_demo().await.unwrap().unwrap();
    let creds = std::fs::read_to_string(path)
        .unwrap()
        .lines()
        .filter(|l| !l.is_empty())
        .map(|l| {
            let f: Vec<&str> = l.split('\t').collect();
            (f[0].to_string(), (f[1].to_string(), Some(f[4].to_string()).filter(|s| !s.is_empty())))
        })
        .collect();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let router = suveren_web::with_page_fallback(
        suveren_api::router(app.clone(), Default::default())
            .merge(suveren_dav::router(app.clone()))
            .merge(suveren_web::router(app.clone(), Default::default())),
    );
    tokio::spawn(suveren_api::serve(listener, router, std::future::pending()));
    Server { base: format!("http://{addr}"), creds, app, _data: data }
}

pub fn browser(s: &Server, lang: &str) -> reqwest::Client {
    let mut h = HeaderMap::new();
    h.insert("origin", HeaderValue::from_str(&s.base).unwrap());
    h.insert("accept-language", HeaderValue::from_str(lang).unwrap());
    reqwest::Client::builder().cookie_store(true).redirect(Policy::none()).default_headers(h).build().unwrap()
}

pub fn totp_now(secret: &str) -> String {
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs();
    suveren_identity::totp::code_at(secret, now).unwrap()
}

pub async fn sign_in(s: &Server, c: &reqwest::Client, login: &str) -> reqwest::Response {
    let (pw, totp) = &s.creds[login];
    let code = totp.as_deref().map(totp_now).unwrap_or_default();
    c.post(format!("{}/signin", s.base))
        .form(&[("login", login), ("password", pw), ("totp", &code), ("next", "/home")])
        .send()
        .await
        .unwrap()
}

pub fn csrf_of(html: &str) -> String {
    let i = html.find("name=\"csrf\" value=\"").expect("a form with a CSRF token") + 19;
    html[i..].split('"').next().unwrap().to_string()
}

/// A service context acting as `login` (signed in with a second factor),
/// for setting up or checking state through the service itself.
pub fn ctx_of(s: &Server, login: &str, action: suveren_policy::Action) -> suveren_service::Ctx {
    let p = s.app.snapshot().dir.principal_by_login(login).cloned().unwrap();
    suveren_service::Ctx {
        actor: suveren_policy::Actor {
            principal: Some(p),
            mfa: true,
            via: suveren_policy::Via::Session,
            grants: Vec::new(),
        },
        action,
        client: None,
        request_id: "test".into(),
        session: None,
        note: None,
    }
}
