//! WebDAV (`suveren_dav::router`, merged into the fixture's router): any
//! DAV method (or another method token), a path under one of the caller's
//! drives, under someone else's, under nobody's, or anything after `/dav/`,
//! the headers WebDAV reads, and a body. Checks:
//!
//! * no panic, and never a 5xx except 507 (insufficient storage), 501 for
//!   a method token outside the DAV set (RFC 9110, 15.6.2) and 502 for a
//!   COPY or MOVE whose Destination is outside the source's drive (RFC
//!   4918, 9.8.5 and 9.9.4: another namespace);
//! * without valid credentials only 400, 401, 404 or 414;
//! * every answer about a drive outside the caller's (another person's
//!   personal drive, a team drive they are not in, another municipality)
//!   is exactly the answer for the same request on a drive that does not
//!   exist (a login or slug of the same length that nobody has): same
//!   status, content type and body; and that answer is the canonical 404
//!   (`404`, `text/plain; charset=utf-8`, `Not found.\n`; no body on HEAD)
//!   unless the path was refused before any drive was looked at (encoded
//!   `/`, `\` or NUL: 400; longer than 8 KiB: 414).
//!
//! Input layout:
//!
//! ```text
//! byte 0    method: bits 0-3 index into METHODS (12 DAV methods); 12-15
//!           take the method token from the METHOD field instead
//! byte 1    bits 0-2 drive (DRIVES): 0 Lars's personal drive, 1 the teachers'
//!           team drive, 2 Siri's personal drive, 3 the barnevern team drive,
//!           4 Anna's personal drive, 5 Erik's personal drive (another
//!           municipality), 6 a login nobody has, 7 none: PATH is the
//!           whole rest of the URL after `/dav/`
//!           bits 3-4 caller: 0 Lars (Basic, app password), 1 Siri, 2 no
//!           Authorization, 3 a malformed Authorization
//!           bit 5 raw PATH (printable ASCII as it is, so `%2f`, `%00`, `..`
//!           and `?` get through; else each `/`-separated segment is
//!           percent-encoded); bit 6 the drive's login with `@` as `%40`;
//!           bit 7 the last PATH segment repeated to at least 300 bytes
//! bytes 2-3 header mask, little-endian: bit i sends HEADERS[i]
//! rest      PATH \0 [METHOD \0] FIELD \0 FIELD \0 ... BODY: one FIELD per
//!           header bit set, in HEADERS order; BODY may contain \0, at
//!           most 64 KiB of it is sent
//! ```
//!
//! HEADERS: Depth, Destination, Overwrite, If, Lock-Token, Timeout, Range,
//! Content-Range, If-Match, If-None-Match, Content-Type, X-Litmus (dav_server
//! serves `Depth: infinity` PROPFINDs only with it). Their fields are
//! the header values as they are, except Destination: its first byte
//! modulo 8 picks the target (0 an absolute URL on the same drive, 1 a path
//! on the same drive, 2 the caller's other drive, 3 a drive outside the
//! caller's, 4 a drive nobody has, 5-7 the rest of the field is the whole
//! value; the digits `0`-`7` select the same) and the rest is the path
//! (encoded like PATH); an empty Destination is the same drive's
//! `/fuzz-copy`. In If, Lock-Token, If-Match and If-None-Match,
//! `$L` becomes the lock token of the last successful LOCK of this process
//! and `$E` the last ETag answered, so conditions can name real locks and
//! versions. Content-Length is always the body's length.
//!
//! State: requests change the two callers' drives (files, folders, dead
//! properties, locks) for the rest of the process, so a finding may need
//! its predecessors. Every 512 inputs the target drops the locks of the
//! demo drives, so that one deep lock does not turn every later write into
//! a 423.
#![no_main]

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;

use axum::body::Body;
use http::{header, HeaderName, HeaderValue, Method, Request, StatusCode};
use libfuzzer_sys::fuzz_target;
use suveren_fuzz::{encode, fixture, ANNA, BARNEVERN_DRIVE, LARS, SIRI, TEACHERS_DRIVE};

const METHODS: [&str; 12] =
    ["OPTIONS", "PROPFIND", "PROPPATCH", "MKCOL", "GET", "HEAD", "PUT", "COPY", "MOVE", "DELETE", "LOCK", "UNLOCK"];

const HEADERS: [&str; 12] = [
    "depth",
    "destination",
    "overwrite",
    "if",
    "lock-token",
    "timeout",
    "range",
    "content-range",
    "if-match",
    "if-none-match",
    "content-type",
    "x-litmus",
];

const ERIK: &str = "erik.ansatt@sorvik.test";
const NOBODY: &str = "nobody.here@nordvik.test";
const MAX_BODY: usize = 64 * 1024;

/// A drive as the URL names it: personal (`/dav/files/`) or team
/// (`/dav/drives/`), and the login or slug.
#[derive(Clone, Copy, PartialEq)]
struct Drive {
    personal: bool,
    name: &'static str,
}

const DRIVES: [Drive; 7] = [
    Drive { personal: true, name: LARS },
    Drive { personal: false, name: TEACHERS_DRIVE },
    Drive { personal: true, name: SIRI },
    Drive { personal: false, name: BARNEVERN_DRIVE },
    Drive { personal: true, name: ANNA },
    Drive { personal: true, name: ERIK },
    Drive { personal: true, name: NOBODY },
];

/// The drives of each caller (Lars: 0 and 1; Siri: 2 and 3).
fn own(caller: &str, d: Drive) -> bool {
    let mine: &[usize] = if caller == SIRI { &[2, 3] } else { &[0, 1] };
    mine.iter().any(|&i| DRIVES[i] == d)
}

/// A drive nobody has, named with as many bytes as `d` (so that length
/// limits treat both alike).
fn ghost(d: Drive) -> String {
    match d.name.split_once('@') {
        Some((local, domain)) => {
            let l: String = local.chars().map(|c| if c.is_ascii_alphanumeric() { 'z' } else { c }).collect();
            format!("{l}@{domain}")
        }
        None => "z".repeat(d.name.len()),
    }
}

/// The last lock token and ETag answered (for `$L` and `$E`).
static LAST_LOCK: Mutex<String> = Mutex::new(String::new());
static LAST_ETAG: Mutex<String> = Mutex::new(String::new());

fn substitute(v: &[u8]) -> Vec<u8> {
    if !v.windows(2).any(|w| w == b"$L" || w == b"$E") {
        return v.to_vec();
    }
    let lock = LAST_LOCK.lock().unwrap_or_else(|e| e.into_inner()).clone();
    let etag = LAST_ETAG.lock().unwrap_or_else(|e| e.into_inner()).clone();
    let mut out = Vec::with_capacity(v.len() + 64);
    let mut i = 0;
    while i < v.len() {
        match &v[i..] {
            [b'$', b'L', ..] => {
                out.extend_from_slice(lock.as_bytes());
                i += 2;
            }
            [b'$', b'E', ..] => {
                out.extend_from_slice(etag.as_bytes());
                i += 2;
            }
            _ => {
                out.push(v[i]);
                i += 1;
            }
        }
    }
    out
}

/// `PATH` as URL text: raw (printable ASCII kept, so the fuzzer writes its
/// own escapes, `..` and `?`) or each segment percent-encoded.
fn encode_path(path: &[u8], raw: bool) -> String {
    if raw {
        return path
            .iter()
            .map(
                |&b| {
                    if (0x21..=0x7e).contains(&b) && b != b'#' {
                        (b as char).to_string()
                    } else {
                        format!("%{b:02X}")
                    }
                },
            )
            .collect();
    }
    path.split(|&b| b == b'/').map(|seg| encode(seg, false, false)).collect::<Vec<_>>().join("/")
}

/// The URL path of `drive` (`@` kept or as `%40`).
fn drive_url(d: Drive, name: &str, at_encoded: bool) -> String {
    let kind = if d.personal { "files" } else { "drives" };
    let name = if at_encoded { name.replace('@', "%40") } else { name.to_string() };
    format!("/dav/{kind}/{name}")
}

struct Input<'a> {
    method: Method,
    /// `Some` for a drive; `None` for a raw `/dav/` path.
    drive: Option<Drive>,
    caller: u8,
    raw: bool,
    at_encoded: bool,
    path: Vec<u8>,
    headers: Vec<(usize, &'a [u8])>,
    body: &'a [u8],
}

/// The request, with `name` as the drive's login or slug.
fn build(inp: &Input, name: &str) -> Option<Request<Body>> {
    let f = fixture();
    let caller = if inp.caller == 1 { SIRI } else { LARS };
    let path_text = encode_path(&inp.path, inp.raw);
    let uri = match inp.drive {
        Some(d) => {
            let sep = if path_text.starts_with('/') { "" } else { "/" };
            format!("{}{sep}{path_text}", drive_url(d, name, inp.at_encoded))
        }
        None => format!("/dav/{path_text}"),
    };
    let mut req = Request::builder().method(inp.method.clone()).uri(&uri);
    match inp.caller {
        0 | 1 => req = req.header(header::AUTHORIZATION, f.basic(caller)),
        3 => req = req.header(header::AUTHORIZATION, "Basic bm90OmJhc2U2NA=!"),
        _ => {}
    }
    for &(i, v) in &inp.headers {
        let value: Vec<u8> = match HEADERS[i] {
            "destination" => destination(inp, name, caller, v),
            "if" | "lock-token" | "if-match" | "if-none-match" => substitute(v),
            _ => v.to_vec(),
        };
        let Ok(value) = HeaderValue::from_bytes(&value) else { continue };
        req = req.header(HeaderName::from_static(HEADERS[i]), value);
    }
    if !inp.body.is_empty() || inp.method == Method::PUT {
        req = req.header(header::CONTENT_LENGTH, inp.body.len());
    }
    req.body(Body::from(inp.body.to_vec())).ok()
}

fn destination(inp: &Input, name: &str, caller: &str, v: &[u8]) -> Vec<u8> {
    let here = match inp.drive {
        Some(d) => drive_url(d, name, inp.at_encoded),
        None => "/dav/files".to_string(),
    };
    let Some((&sel, rest)) = v.split_first() else {
        return format!("{here}/fuzz-copy").into_bytes();
    };
    let p = encode_path(rest, inp.raw);
    let sep = if p.starts_with('/') { "" } else { "/" };
    let other = |i: usize| drive_url(DRIVES[i], DRIVES[i].name, inp.at_encoded);
    let mine = if caller == SIRI { [2, 3] } else { [0, 1] };
    let base = match sel % 8 {
        0 => format!("http://localhost{here}"),
        1 => here,
        2 => match inp.drive {
            Some(d) if d == DRIVES[mine[0]] => other(mine[1]),
            _ => other(mine[0]),
        },
        3 => other(if caller == SIRI { 0 } else { 3 }),
        4 => other(6),
        _ => return rest.to_vec(),
    };
    format!("{base}{sep}{p}").into_bytes()
}

fn parse(data: &[u8]) -> Option<Input<'_>> {
    if data.len() < 4 {
        return None;
    }
    let (m, where_, mask) = (data[0] & 15, data[1], u16::from_le_bytes([data[2], data[3]]));
    let mut rest = &data[4..];
    let mut field = || -> &[u8] {
        let (f, r) = match rest.iter().position(|&b| b == 0) {
            Some(i) => (&rest[..i], &rest[i + 1..]),
            None => (rest, &b""[..]),
        };
        rest = r;
        f
    };
    let mut path = field().to_vec();
    let method = if (m as usize) < METHODS.len() {
        Method::from_bytes(METHODS[m as usize].as_bytes()).expect("known method")
    } else {
        Method::from_bytes(field()).ok()?
    };
    let mut headers = Vec::new();
    for (i, _) in HEADERS.iter().enumerate() {
        if mask & (1 << i) != 0 {
            headers.push((i, field()));
        }
    }
    let body = &rest[..rest.len().min(MAX_BODY)];
    if where_ & 0x80 != 0 {
        let start = path.iter().rposition(|&b| b == b'/').map_or(0, |i| i + 1);
        let seg = path[start..].to_vec();
        if !seg.is_empty() {
            while path.len() - start < 300 {
                path.extend_from_slice(&seg);
            }
        }
    }
    let d = (where_ & 7) as usize;
    Some(Input {
        method,
        drive: DRIVES.get(d).copied(),
        caller: (where_ >> 3) & 3,
        raw: where_ & 0x20 != 0,
        at_encoded: where_ & 0x40 != 0,
        path,
        headers,
        body,
    })
}

/// `..`, `.` and empty segments resolved, segments percent-decoded, as
/// dav_server reads a path; `None` where it would refuse the path.
fn normalize(path: &[u8]) -> Option<Vec<Vec<u8>>> {
    let path = &path[..path.iter().position(|&b| b == b'?').unwrap_or(path.len())];
    let mut out: Vec<Vec<u8>> = Vec::new();
    for seg in path.split(|&b| b == b'/') {
        match &suveren_fuzz::percent_decode(seg)[..] {
            b"" | b"." => {}
            b".." => {
                out.pop()?;
            }
            s => out.push(s.to_vec()),
        }
    }
    Some(out)
}

/// Whether a COPY or MOVE names a Destination outside the request's drive
/// (another drive, another origin, or `..` climbing out of it).
fn destination_elsewhere(inp: &Input, dest: &Option<Vec<u8>>) -> bool {
    let (Some(d), Some(dest)) = (inp.drive, dest) else { return false };
    if !matches!(inp.method.as_str(), "COPY" | "MOVE") {
        return false;
    }
    let path = match dest.windows(3).position(|w| w == b"://") {
        Some(i) => {
            // The authority ends at the first `/`, `?` or `#` (RFC 3986);
            // when that is not a `/`, the path is empty: another namespace.
            let after = &dest[i + 3..];
            match after.iter().position(|&b| matches!(b, b'/' | b'?' | b'#')) {
                Some(j) if after[j] == b'/' => &after[j..],
                _ => return true,
            }
        }
        None => &dest[..],
    };
    let kind: &[u8] = if d.personal { b"files" } else { b"drives" };
    match normalize(path) {
        Some(segs) => !(segs.len() >= 3 && segs[0] == b"dav" && segs[1] == kind && segs[2] == d.name.as_bytes()),
        None => true,
    }
}

fn show(req: &str, status: StatusCode, body: &[u8]) -> String {
    format!("{req} -> {status}: {}", String::from_utf8_lossy(&body[..body.len().min(2000)]))
}

fn describe(r: &Request<Body>) -> String {
    let mut s = format!("{} {}", r.method(), r.uri());
    for (k, v) in r.headers() {
        if k != header::AUTHORIZATION {
            s.push_str(&format!("\n  {k}: {}", String::from_utf8_lossy(v.as_bytes())));
        }
    }
    s
}

fuzz_target!(|data: &[u8]| {
    let Some(inp) = parse(data) else { return };
    let f = fixture();
    let Some(req) = build(&inp, inp.drive.map_or("", |d| d.name)) else { return };
    let what = describe(&req);
    let dest = req.headers().get("destination").map(|v| v.as_bytes().to_vec());
    let (status, headers, body) = f.send(req);
    if suveren_fuzz::trace() {
        eprintln!(
            "{what} (caller {}) -> {status} {}",
            inp.caller,
            String::from_utf8_lossy(&body[..body.len().min(600)])
        );
    }
    // 507 is a full drive; 501 is how RFC 9110 (15.6.2) answers a method
    // the server does not implement, allowed for tokens outside METHODS;
    // 502 is how RFC 4918 (9.8.5, 9.9.4) answers a COPY or MOVE whose
    // Destination is outside the source's namespace (here: its drive).
    let foreign_method = !METHODS.contains(&inp.method.as_str());
    assert!(
        !status.is_server_error()
            || status == StatusCode::INSUFFICIENT_STORAGE
            || (status == StatusCode::NOT_IMPLEMENTED && foreign_method)
            || (status == StatusCode::BAD_GATEWAY && destination_elsewhere(&inp, &dest)),
        "server error: {}",
        show(&what, status, &body)
    );
    let signed_in = inp.caller < 2;
    if !signed_in {
        assert!(
            matches!(status.as_u16(), 400 | 401 | 404 | 414),
            "without credentials: {}",
            show(&what, status, &body)
        );
    }
    // Remember real lock tokens and ETags for `$L` and `$E`.
    if status.is_success() {
        if let Some(t) = headers.get("lock-token").and_then(|v| v.to_str().ok()) {
            *LAST_LOCK.lock().unwrap_or_else(|e| e.into_inner()) = t.trim_matches(['<', '>']).to_string();
        }
        if let Some(e) = headers.get(header::ETAG).and_then(|v| v.to_str().ok()) {
            *LAST_ETAG.lock().unwrap_or_else(|e| e.into_inner()) = e.to_string();
        }
    }
    // A drive outside the caller's: the answer of a drive nobody has.
    if let (Some(d), true) = (inp.drive, signed_in) {
        let caller = if inp.caller == 1 { SIRI } else { LARS };
        if !own(caller, d) {
            let ct = |h: &http::HeaderMap| h.get(header::CONTENT_TYPE).map(|v| v.as_bytes().to_vec());
            if d.name != NOBODY {
                let g = ghost(d);
                let twin = build(&inp, &g).expect("the twin request builds like the first");
                let twin_what = describe(&twin);
                let (s2, h2, b2) = f.send(twin);
                assert!(
                    (status, ct(&headers), &body) == (s2, ct(&h2), &b2),
                    "a drive outside the caller's ({caller}) answers differently from a missing one:\n{}\nvs\n{}",
                    show(&what, status, &body),
                    show(&twin_what, s2, &b2)
                );
            }
            if !matches!(status.as_u16(), 400 | 414) {
                assert!(
                    status == StatusCode::NOT_FOUND
                        && (&body[..] == b"Not found.\n" || (inp.method == Method::HEAD && body.is_empty()))
                        && ct(&headers).as_deref() == Some(&b"text/plain; charset=utf-8"[..]),
                    "not the canonical 404 for a drive outside the caller's ({caller}): {}",
                    show(&what, status, &body)
                );
            }
        }
    }
    static RUNS: AtomicU64 = AtomicU64::new(0);
    if RUNS.fetch_add(1, Ordering::Relaxed) % 512 == 511 {
        drop_locks();
    }
});

/// Removes every lock on the demo drives the callers can write.
fn drop_locks() {
    let f = fixture();
    let ids: Vec<String> = [LARS, TEACHERS_DRIVE, SIRI, BARNEVERN_DRIVE].iter().filter_map(|n| f.drive_id(n)).collect();
    f.rt.block_on(async {
        for id in ids {
            for l in f.app.store.locks(&id).await.unwrap_or_default() {
                let _ = f.app.store.delete_lock(&l.token).await;
            }
        }
    });
}
