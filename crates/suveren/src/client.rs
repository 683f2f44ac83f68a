//! A small client of the Suveren API for the CLI: the admin commands work
//! the same against a local or a remote installation.

use std::path::PathBuf;

use anyhow::{bail, Context, Result};
use reqwest::header::{HeaderMap, HeaderValue, COOKIE, SET_COOKIE};
use reqwest::{Method, StatusCode};
use serde_json::Value;

pub struct Client {
    base: String,
    http: reqwest::Client,
    auth: Auth,
}

enum Auth {
    None,
    Cookie(String),
    Basic(String, String),
}

/// Where `admin login` keeps the session cookie for the next commands.
pub fn session_file(server: &str) -> PathBuf {
    let home = std::env::var_os("HOME").map(PathBuf::from).unwrap_or_else(|| PathBuf::from("."));
    let safe: String = server.chars().map(|c| if c.is_ascii_alphanumeric() { c } else { '_' }).collect();
    home.join(".config/suveren").join(format!("session-{safe}"))
}

impl Client {
    pub fn new(server: &str, login: Option<&str>, token: Option<&str>) -> Result<Client> {
        let http = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .timeout(std::time::Duration::from_secs(300))
            .build()?;
        let auth = match (login, token) {
            (Some(l), Some(t)) => Auth::Basic(l.to_string(), t.to_string()),
            (None, Some(_)) => bail!("--token needs --login (the app password's account)"),
            _ => match std::fs::read_to_string(session_file(server)) {
                Ok(c) => Auth::Cookie(c.trim().to_string()),
                Err(_) => Auth::None,
            },
        };
        Ok(Client { base: server.trim_end_matches('/').to_string(), http, auth })
    }

    /// Signs in and stores the session cookie (mode 0600) for later commands.
    pub async fn login(&mut self, server: &str, login: &str, password: &str, totp: Option<&str>) -> Result<Value> {
        let mut body = serde_json::json!({"login": login, "password": password});
        if let Some(t) = totp {
            body["totp"] = Value::String(t.to_string());
        }
        let res = self
            .http
            .post(format!("{}/api/v1/auth/login", self.base))
            .json(&body)
            .send()
            .await
            .context("cannot reach the server")?;
        let status = res.status();
        let cookie = res
            .headers()
            .get_all(SET_COOKIE)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .find_map(|c| c.split(';').next().map(str::to_string));
        let v: Value = res.json().await.unwrap_or(Value::Null);
        if !status.is_success() {
            bail!("sign-in refused ({status}): {}", v["detail"].as_str().unwrap_or(""));
        }
        let cookie = cookie.context("the server set no session cookie")?;
        let path = session_file(server);
        suveren_service::audit::write_private(&path, cookie.as_bytes())
            .with_context(|| format!("cannot write {}", path.display()))?;
        self.auth = Auth::Cookie(cookie);
        Ok(v)
    }

    fn headers(&self) -> HeaderMap {
        let mut h = HeaderMap::new();
        if let Auth::Cookie(c) = &self.auth {
            if let Ok(v) = HeaderValue::from_str(c) {
                h.insert(COOKIE, v);
            }
        }
        h
    }

    pub async fn call(&self, method: Method, path: &str, body: Option<&Value>) -> Result<Value> {
        let mut req = self.http.request(method, format!("{}{path}", self.base)).headers(self.headers());
        if let Auth::Basic(l, p) = &self.auth {
            req = req.basic_auth(l, Some(p));
        }
        if let Some(b) = body {
            req = req.json(b);
        }
        self.finish(req).await
    }

    pub async fn send_text(&self, path: &str, content_type: &str, text: String) -> Result<Value> {
        let mut req = self
            .http
            .post(format!("{}{path}", self.base))
            .headers(self.headers())
            .header("content-type", content_type)
            .body(text);
        if let Auth::Basic(l, p) = &self.auth {
            req = req.basic_auth(l, Some(p));
        }
        self.finish(req).await
    }

    pub async fn get_bytes(&self, path: &str) -> Result<Vec<u8>> {
        let mut req = self.http.get(format!("{}{path}", self.base)).headers(self.headers());
        if let Auth::Basic(l, p) = &self.auth {
            req = req.basic_auth(l, Some(p));
        }
        let res = req.send().await.context("cannot reach the server")?;
        if !res.status().is_success() {
            let s = res.status();
            let v: Value = res.json().await.unwrap_or(Value::Null);
            bail!("{s}: {}", v["detail"].as_str().unwrap_or(""));
        }
        Ok(res.bytes().await?.to_vec())
    }

    async fn finish(&self, req: reqwest::RequestBuilder) -> Result<Value> {
        let res = req.send().await.context("cannot reach the server")?;
        let status = res.status();
        if status == StatusCode::NO_CONTENT {
            return Ok(Value::Null);
        }
        let v: Value = res.json().await.unwrap_or(Value::Null);
        if !status.is_success() {
            if status == StatusCode::UNAUTHORIZED && matches!(self.auth, Auth::None) {
                bail!("not signed in: run `suveren admin login` first, or pass --login and --token");
            }
            bail!("{status}: {}", v["detail"].as_str().unwrap_or("(no detail)"));
        }
        Ok(v)
    }
}
