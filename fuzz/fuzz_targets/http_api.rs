//! The real HTTP edge: any route of the route table, any path parameters,
//! query, method, content type, credentials and body. The answer must never
//! be a 5xx, and every 4xx must be problem+json (see `check_answer`).
//!
//! Input layout (seeds are easy to write by hand):
//!
//! ```text
//! byte 0   route index into the route table (modulo its length; the
//!          password sign-in is left out: see the login_body target)
//! byte 1   flags: bits 0-1 credentials (0 none, 1 Lars's session cookie,
//!          2 a cookie with the CRED field as token, 3 Basic auth as Lars
//!          with CRED as app password); bits 2-4 content type (CONTENT_TYPES);
//!          bit 5 raw encoding of path parameters and query; bit 6 Anna's
//!          session instead (tenant admin with TOTP: requests get past the
//!          policy gate into the services' validation); bit 7 BODY starts
//!          with header lines (see below)
//! byte 2   method: 0 the route's own, 1-7 one of METHODS
//! rest     P1 \0 P2 \0 QUERY \0 CRED \0 BODY   (BODY may contain \0)
//! ```
//!
//! A path parameter (P1, P2) that is exactly `$drive`, `$link` or `$upload`
//! becomes the id of Lars's personal drive, the token of a view link or of
//! an upload link Lars made at fixture setup (random values a fuzzer
//! cannot guess); a CRED of exactly `$app` becomes Lars's real app password
//! (mode 3), so Basic requests get signed in. With flag bit 7, BODY is
//! `Name: value` lines ended by an empty line (`\n\n`), then the body; the
//! headers are set after the others (replacing `Content-Type`), e.g.
//! `Tus-Resumable`, `Upload-Length`, `Upload-Offset`, `Upload-Metadata`,
//! `Range`, `If-Match`, `X-Link-Password`. `Content-Length` is always the
//! body's length (as hyper gives it), never the fuzzer's.
//!
//! Lars (an employee) is refused by the policy gate on every admin route, but
//! only after the route's body, path and query were decoded. Anna's requests
//! reach the services and change the installation (creating principals,
//! groups, segments ...), so later inputs meet a grown directory; a finding
//! in admin mode may therefore need its predecessors to reproduce. Requests
//! that could end the shared sessions (sign-out, changing or deleting Anna
//! or Lars, importing rows that name them) are sent with Lars's session.
#![no_main]

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::OnceLock;

use axum::body::Body;
use base64::Engine;
use http::{header, HeaderName, HeaderValue, Method, Request};
use libfuzzer_sys::fuzz_target;
use suveren_api::routes::RouteSpec;
use suveren_fuzz::{check_answer, encode, fixture, mentions, percent_decode, LARS};

const METHODS: [&str; 7] = ["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"];
const CONTENT_TYPES: [Option<&str>; 8] = [
    Some("application/json"),
    None,
    Some("text/csv"),
    Some("application/json; charset=utf-8"),
    Some("text/plain"),
    Some("application/x-www-form-urlencoded"),
    Some("application/problem+json"),
    Some("multipart/form-data; boundary=x"),
];

fn routes() -> &'static [RouteSpec] {
    static R: OnceLock<Vec<RouteSpec>> = OnceLock::new();
    R.get_or_init(|| {
        suveren_api::api()
            .into_parts()
            .1
            .into_iter()
            .filter(|s| !(s.method == "POST" && s.path == "/api/v1/auth/login"))
            .collect()
    })
}

/// A path parameter or credential with the fixture's placeholders replaced.
fn resolve(field: &[u8]) -> Vec<u8> {
    let f = fixture();
    let v = match field {
        b"$drive" => Some(f.lars_drive.clone()),
        b"$link" => f.view_link.clone(),
        b"$upload" => f.upload_link.clone(),
        b"$app" => Some(f.lars_app_password.clone()),
        _ => None,
    };
    v.map(String::into_bytes).unwrap_or_else(|| field.to_vec())
}

/// Splits `Name: value` lines ended by an empty line off the body.
fn split_headers(body: &[u8]) -> (Vec<(HeaderName, HeaderValue)>, &[u8]) {
    let (head, rest) = match body.windows(2).position(|w| w == b"\n\n") {
        Some(i) => (&body[..i], &body[i + 2..]),
        None => (body, &b""[..]),
    };
    let mut out = Vec::new();
    for line in head.split(|&b| b == b'\n') {
        let Some(colon) = line.iter().position(|&b| b == b':') else { continue };
        let (Ok(name), Ok(value)) =
            (HeaderName::from_bytes(&line[..colon]), HeaderValue::from_bytes(line[colon + 1..].trim_ascii()))
        else {
            continue;
        };
        // The transport's framing is hyper's business, not the handlers'.
        if name == header::CONTENT_LENGTH || name == header::TRANSFER_ENCODING || name == header::HOST {
            continue;
        }
        out.push((name, value));
    }
    (out, rest)
}

fn build_path(template: &str, params: &[&[u8]], raw: bool) -> String {
    let mut out = String::new();
    let mut next = params.iter();
    for seg in template.split('/').skip(1) {
        out.push('/');
        if seg.starts_with('{') && seg.ends_with('}') {
            out.push_str(&encode(next.next().copied().unwrap_or(b""), raw, false));
        } else {
            out.push_str(seg);
        }
    }
    out
}

/// Whether a request as Anna could disable, delete or re-role one of the
/// fixture's signed-in accounts (which ends their sessions).
fn endangers_sessions(spec: &RouteSpec, method: &str, login: &[u8], body: &[u8]) -> bool {
    let named = |b: &[u8]| mentions(b, "anna") || mentions(b, "lars");
    let mutating = matches!(method, "POST" | "PUT" | "PATCH" | "DELETE");
    if spec.path.ends_with("/principals/{login}") && mutating {
        return named(&percent_decode(login)) || named(login);
    }
    if spec.path.ends_with("/import") && mutating {
        return named(body);
    }
    false
}

fuzz_target!(|data: &[u8]| {
    if data.len() < 3 {
        return;
    }
    let f = fixture();
    let routes = routes();
    let spec = &routes[data[0] as usize % routes.len()];
    let flags = data[1];
    let method = match data[2] {
        m @ 1..=7 => METHODS[m as usize - 1],
        _ => spec.method,
    };
    let mut fields = data[3..].splitn(5, |&b| b == 0);
    let p1 = resolve(fields.next().unwrap_or(b""));
    let p2 = resolve(fields.next().unwrap_or(b""));
    let (p1, p2) = (&p1[..], &p2[..]);
    let query = fields.next().unwrap_or(b"");
    let cred = resolve(fields.next().unwrap_or(b""));
    let cred = &cred[..];
    let body = fields.next().unwrap_or(b"");
    let (extra, body) = if flags & 0x80 != 0 { split_headers(body) } else { (Vec::new(), body) };

    let raw = flags & 0x20 != 0;
    let mut auth = if flags & 0x40 != 0 { 4 } else { flags & 3 };
    if auth == 4 && endangers_sessions(spec, method, p2, body) {
        auth = 1;
    }
    // Signing out would end the shared session for every later input.
    if (auth == 1 || auth == 4) && spec.path.starts_with("/api/v1/auth/logout") {
        auth = 0;
    }
    let content_type = CONTENT_TYPES[((flags >> 2) & 7) as usize];

    let mut uri = build_path(spec.path, &[p1, p2], raw);
    if !query.is_empty() {
        uri.push('?');
        uri.push_str(&encode(query, raw, true));
    }
    if raw && uri.parse::<http::Uri>().is_err() {
        // Not a request a client could send; try it percent-encoded instead.
        uri = build_path(spec.path, &[p1, p2], false);
        if !query.is_empty() {
            uri.push('?');
            uri.push_str(&encode(query, false, true));
        }
    }
    let method = Method::from_bytes(method.as_bytes()).expect("known method");
    let mut req = Request::builder().method(method.clone()).uri(&uri);
    if let Some(ct) = content_type {
        req = req.header(header::CONTENT_TYPE, ct);
    }
    match auth {
        1 => req = req.header(header::COOKIE, f.lars_cookie()),
        4 => req = req.header(header::COOKIE, f.anna_cookie()),
        2 => {
            let mut v = b"suveren_session=".to_vec();
            v.extend_from_slice(cred);
            if let Ok(h) = HeaderValue::from_bytes(&v) {
                req = req.header(header::COOKIE, h);
            }
        }
        3 => {
            let mut up = format!("{LARS}:").into_bytes();
            up.extend_from_slice(cred);
            let v = format!("Basic {}", base64::engine::general_purpose::STANDARD.encode(&up));
            req = req.header(header::AUTHORIZATION, v);
        }
        _ => {}
    }
    if !body.is_empty() {
        req = req.header(header::CONTENT_LENGTH, body.len());
    }
    let Ok(mut req) = req.body(Body::from(body.to_vec())) else {
        return;
    };
    for (name, value) in extra {
        req.headers_mut().insert(name, value);
    }
    let (status, headers, resp) = f.send(req);
    if suveren_fuzz::trace() {
        eprintln!(
            "{method} {uri} (auth {auth}, {}) -> {status} {}",
            content_type.unwrap_or("-"),
            String::from_utf8_lossy(&resp[..resp.len().min(300)])
        );
    }
    check_answer(&method, &uri, status, &headers, &resp);
    static RUNS: AtomicU64 = AtomicU64::new(0);
    if RUNS.fetch_add(1, Ordering::Relaxed) % 4096 == 4095 {
        f.keep_sessions();
    }
});
