//! The web pages as a browser would hit them: any page route, any path
//! parameter, query and form body, signed in or not, with or without the
//! session's CSRF token and our Origin. The answer must never be a 5xx, and
//! a 4xx must be an HTML page that says why (never a bare status or a
//! template fragment).
//!
//! Input layout:
//!
//! ```text
//! byte 0   page route index (modulo the page table's length)
//! byte 1   flags: bits 0-1 session (0 none, 1 Lars, 2 Anna, 3 a cookie with
//!          P1 as token); bit 2 prefix the body with the session's real
//!          `csrf=` field; bit 3 send our Origin (else none, or with bit 4
//!          another site's); bits 5-6 content type (CONTENT_TYPES)
//! rest     P1 \0 QUERY \0 BODY
//! ```
//!
//! A P1 of exactly `$drive` becomes Lars's personal drive id. Sign-out and
//! TOTP confirmation are sent without a session (they would end or rotate
//! the shared ones for later inputs).
#![no_main]

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;

use axum::body::Body;
use http::{header, Method, Request, StatusCode};
use libfuzzer_sys::fuzz_target;
use suveren_fuzz::{encode, fixture};

const CONTENT_TYPES: [Option<&str>; 4] = [
    Some("application/x-www-form-urlencoded"),
    Some("multipart/form-data; boundary=x"),
    None,
    Some("text/plain"),
];
const ORIGIN: &str = "http://suveren.test";

/// The CSRF token the pages hand a session (read from a page, as a browser
/// gets it), cached per session cookie.
fn csrf_for(cookie: &str) -> String {
    static CACHE: Mutex<Option<HashMap<String, String>>> = Mutex::new(None);
    let mut g = CACHE.lock().unwrap_or_else(|e| e.into_inner());
    let map = g.get_or_insert_with(HashMap::new);
    if let Some(t) = map.get(cookie) {
        return t.clone();
    }
    let req = Request::get("/home").header(header::COOKIE, cookie).body(Body::empty()).expect("request");
    let (_, _, body) = fixture().send(req);
    let html = String::from_utf8_lossy(&body);
    let token = html
        .split("name=\"csrf\" value=\"")
        .nth(1)
        .and_then(|r| r.split('"').next())
        .unwrap_or_default()
        .to_string();
    map.insert(cookie.to_string(), token.clone());
    token
}

fn build_path(template: &str, p1: &[u8]) -> String {
    let mut out = String::new();
    for seg in template.split('/').skip(1) {
        out.push('/');
        if seg.starts_with('{') && seg.ends_with('}') {
            out.push_str(&encode(p1, false, false));
        } else {
            out.push_str(seg);
        }
    }
    out
}

fuzz_target!(|data: &[u8]| {
    if data.len() < 2 {
        return;
    }
    let f = fixture();
    let routes = suveren_web::page_routes();
    let (method, path, _) = routes[data[0] as usize % routes.len()];
    let flags = data[1];
    let mut fields = data[2..].splitn(3, |&b| b == 0);
    let p1 = fields.next().unwrap_or(b"");
    let p1: Vec<u8> = if p1 == b"$drive" { f.lars_drive.clone().into_bytes() } else { p1.to_vec() };
    let query = fields.next().unwrap_or(b"");
    let body = fields.next().unwrap_or(b"");

    let mut auth = flags & 3;
    if path == "/signout" || path == "/settings/totp/confirm" {
        auth = 0;
    }
    let cookie = match auth {
        1 => Some(f.lars_cookie()),
        2 => Some(f.anna_cookie()),
        3 => Some(format!("suveren_session={}", String::from_utf8_lossy(&p1))),
        _ => None,
    };
    let mut form = Vec::new();
    if flags & 4 != 0 {
        if let Some(c) = cookie.as_deref().filter(|_| auth != 3) {
            form.extend_from_slice(format!("csrf={}&", csrf_for(c)).as_bytes());
        }
    }
    form.extend_from_slice(body);

    let mut uri = build_path(path, &p1);
    if !query.is_empty() {
        uri.push('?');
        uri.push_str(&encode(query, false, true));
    }
    let method = Method::from_bytes(method.as_bytes()).expect("GET or POST");
    let mut req = Request::builder().method(method.clone()).uri(&uri).header(header::HOST, "suveren.test");
    if let Some(c) = &cookie {
        if let Ok(v) = http::HeaderValue::from_str(c) {
            req = req.header(header::COOKIE, v);
        }
    }
    if flags & 8 != 0 {
        req = req.header(header::ORIGIN, ORIGIN);
    } else if flags & 16 != 0 {
        req = req.header(header::ORIGIN, "https://evil.example");
    }
    if let Some(ct) = CONTENT_TYPES[((flags >> 5) & 3) as usize] {
        req = req.header(header::CONTENT_TYPE, ct);
    }
    if method == Method::POST {
        req = req.header(header::CONTENT_LENGTH, form.len());
    }
    let Ok(req) = req.body(Body::from(if method == Method::POST { form } else { Vec::new() })) else {
        return;
    };
    let (status, headers, resp) = f.send(req);
    let show = || format!("{method} {uri} -> {status}: {}", String::from_utf8_lossy(&resp[..resp.len().min(1500)]));
    if suveren_fuzz::trace() {
        eprintln!("{}", show());
    }
    assert!(!status.is_server_error() || status == StatusCode::SERVICE_UNAVAILABLE, "server error: {}", show());
    if status.is_client_error() {
        let ct = headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or("");
        assert!(ct.starts_with("text/html"), "4xx with content-type `{ct}`: {}", show());
        let html = String::from_utf8_lossy(&resp);
        assert!(html.contains("<html") && html.contains("role=\"alert\""), "4xx page without a reason: {}", show());
    }
    static RUNS: AtomicU64 = AtomicU64::new(0);
    if RUNS.fetch_add(1, Ordering::Relaxed) % 2048 == 2047 {
        f.keep_sessions();
    }
});
