//! WebDAV for the drive: `/dav/files/<login>/` (a personal drive) and
//! `/dav/drives/<slug>/` (a team drive of the caller's tenant), RFC 4918
//! class 1 and 2 and RFC 4331 quota properties.
//!
//! The protocol itself (XML, multistatus, `If` headers, Depth, Overwrite,
//! conditional requests, Range) is the `dav-server` crate; this crate gives
//! it a file system and a lock system that are views of the drive service,
//! bound per request to the authenticated caller. So every WebDAV operation
//! is a drive-service call: gated, audited, encrypted. See ARCHITECTURE.md
//! ("WebDAV: dav-server over our own file and lock system") for why.
//!
//! Only app passwords authenticate here (Basic): no cookies, so no CSRF, and
//! a stolen app password is revocable without touching the account.

pub mod fs;
pub mod locks;

use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;

use axum::body::Body;
use axum::extract::{ConnectInfo, State};
use axum::http::{header, HeaderValue, Request, Response, StatusCode};
use axum::Router;
use base64::Engine;
use dav_server::DavHandler;
use suveren_policy::Action;
use suveren_service::drive::DriveSel;
use suveren_service::{App, Ctx, ServiceError};

pub use fs::DriveFs;
pub use locks::DbLocks;

/// The WebDAV routes, to be merged beside the API.
pub fn router(app: Arc<App>) -> Router {
    Router::new()
        .route("/dav", axum::routing::any(root))
        .route("/dav/", axum::routing::any(root))
        .route("/dav/{*rest}", axum::routing::any(handle))
        .with_state(app)
        .layer(tower_http::catch_panic::CatchPanicLayer::new())
}

fn unauthorized() -> Response<Body> {
    let mut r = Response::new(Body::from("Sign in with your login and an app password (Settings → App passwords).\n"));
    *r.status_mut() = StatusCode::UNAUTHORIZED;
    r.headers_mut()
        .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Basic realm=\"Suveren\", charset=\"UTF-8\""));
    r.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("text/plain; charset=utf-8"));
    r
}

fn status(code: StatusCode, msg: &str) -> Response<Body> {
    let mut r = Response::new(Body::from(format!("{msg}\n")));
    *r.status_mut() = code;
    r.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("text/plain; charset=utf-8"));
    r
}

fn not_found() -> Response<Body> {
    status(StatusCode::NOT_FOUND, "Not found.")
}

/// `/dav/` itself: nothing to list without knowing whose drive.
async fn root() -> Response<Body> {
    not_found()
}

fn basic(req: &Request<Body>) -> Option<(String, String)> {
    let v = req.headers().get(header::AUTHORIZATION)?.to_str().ok()?;
    let b64 = v.strip_prefix("Basic ").or_else(|| v.strip_prefix("basic "))?;
    let raw = base64::engine::general_purpose::STANDARD.decode(b64.trim()).ok()?;
    let s = String::from_utf8(raw).ok()?;
    let (l, p) = s.split_once(':')?;
    Some((l.to_string(), p.to_string()))
}

/// The action a WebDAV method performs, for the audit of refusals.
fn action_of(method: &str) -> Action {
    match method {
        "GET" => Action::ContentRead,
        "PUT" | "MKCOL" | "PROPPATCH" | "MOVE" | "COPY" | "LOCK" | "UNLOCK" => Action::ContentWrite,
        "DELETE" => Action::ContentDelete,
        _ => Action::ContentList,
    }
}

/// Splits `/dav/files/<login>/...` or `/dav/drives/<slug>/...` into the
/// drive and the prefix `dav_server` strips (decoded, as it compares).
fn split(raw_path: &str) -> Option<(bool, String, String)> {
    let rest = raw_path.strip_prefix("/dav/")?;
    let (kind, rest) = rest.split_once('/')?;
    let personal = match kind {
        "files" => true,
        "drives" => false,
        _ => return None,
    };
    let seg = rest.split('/').next().filter(|s| !s.is_empty())?;
    let name = percent_encoding::percent_decode_str(seg).decode_utf8().ok()?.into_owned();
    let prefix = format!("/dav/{kind}/{name}");
    Some((personal, name, prefix))
}

async fn handle(
    State(app): State<Arc<App>>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    req: Request<Body>,
) -> Response<Body> {
    let raw = req.uri().path().to_string();
    // Encoded separators and NULs would let one name pose as a path.
    let lower = raw.to_ascii_lowercase();
    if lower.contains("%2f") || lower.contains("%00") || lower.contains("%5c") {
        return status(StatusCode::BAD_REQUEST, "Names cannot contain encoded `/`, `\\` or NUL characters.");
    }
    if raw.len() > 8192 {
        return status(StatusCode::URI_TOO_LONG, "The path is too long.");
    }
    let Some((personal, name, prefix)) = split(&raw) else {
        return not_found();
    };
    let prefix_base = if personal { "/dav/files/" } else { "/dav/drives/" };
    let prefix_name = name.clone();
    let Some((login, pw)) = basic(&req) else {
        return unauthorized();
    };
    let client: Option<IpAddr> = Some(peer.ip());
    let actor = match app.app_password_actor(&login, &pw, client).await {
        Ok(Some(a)) => a,
        Ok(None) => return unauthorized(),
        Err(e) => {
            tracing::error!(error = %e, "webdav sign-in");
            return status(StatusCode::SERVICE_UNAVAILABLE, "Try again shortly.");
        }
    };
    if let Err(r) = precheck(&req, &raw) {
        return r;
    }
    let login = actor.login().to_string();
    let ctx = Ctx {
        actor,
        action: action_of(req.method().as_str()),
        client,
        request_id: uuid::Uuid::new_v4().simple().to_string(),
        session: None,
        note: None,
    };
    let sel = if personal { DriveSel::Personal(&name) } else { DriveSel::Team(&name) };
    let place = match app.place(&ctx, sel).await {
        Ok(p) => p,
        Err(ServiceError::NotFound) => return not_found(),
        Err(e) => return explain(e),
    };
    // WebDAV serves the drives the caller belongs to (or, later, holds a
    // lockbox grant on); items shared with them are reached through the API.
    // Asking the gate here, before dav_server maps errors to its own codes,
    // keeps a concealed drive indistinguishable from a missing one.
    if place.role.is_none() {
        // A lockbox grant on one folder opens that folder, not the root:
        // ask about the granted folder the request lies in.
        let root = granted_folder(&ctx, &place, &raw, prefix_base).unwrap_or_else(|| "/".to_string());
        match app.stat(&ctx, &place, &root).await {
            Ok(_) => {}
            Err(ServiceError::NotFound) => return not_found(),
            Err(e) => return explain(e),
        }
    }
    if let Err(r) = transfer_check(&req, &raw, &prefix) {
        return r;
    }
    let ctx = Arc::new(ctx);
    let mut req = req;
    if req.method().as_str() == "PROPFIND" {
        match req.headers().get("depth").map(|d| d.as_bytes().to_ascii_lowercase()) {
            // RFC 4918 §9.1: a server may refuse infinity; sync clients use
            // the change feed instead of walking the tree.
            Some(d) if d == b"infinity" => {
                let mut r = Response::new(Body::from(
                    "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<D:error xmlns:D=\"DAV:\"><D:propfind-finite-depth/></D:error>\n",
                ));
                *r.status_mut() = StatusCode::FORBIDDEN;
                r.headers_mut()
                    .insert(header::CONTENT_TYPE, HeaderValue::from_static("application/xml; charset=utf-8"));
                return r;
            }
            // No Depth means infinity, which is served as 1 (the item and,
            // for a folder, its children), as common servers do.
            None => {
                req.headers_mut().insert("depth", HeaderValue::from_static("1"));
            }
            _ => {}
        }
    }
    if req.method() == http::Method::DELETE {
        if let Some(res) = delete_subtree(&app, &ctx, &place, &raw, prefix_base, req.headers().clone()).await {
            return res;
        }
    }
    let store = app.store.clone();
    let fs = DriveFs::new(app.clone(), ctx, place.clone());
    let last = fs.last_error.clone();
    let ls = DbLocks::new(store, place.drive.id.clone(), prefix.clone(), login.clone());
    let handler = DavHandler::builder()
        .strip_prefix(prefix)
        .filesystem(Box::new(fs))
        .locksystem(Box::new(ls))
        .principal(login)
        .build_handler();
    let res = handler.handle(req).await;
    let (mut parts, body) = res.into_parts();
    // One shape for "not found", whether the item is missing or concealed.
    if parts.status == StatusCode::NOT_FOUND {
        return not_found();
    }
    // dav_server answers refusals with a bare status; say why.
    let err = last.lock().unwrap_or_else(|p| p.into_inner()).take();
    if parts.status.is_client_error() || parts.status.is_server_error() {
        if let Some(e) = err.filter(|e| !matches!(e, ServiceError::NotFound)) {
            // dav_server has no 503: a tenant key that is locked is not a
            // full disk, and clients should retry rather than give up.
            if matches!(&e, ServiceError::Unavailable(m) if m != suveren_service::drive::STORAGE_FULL) {
                parts.status = StatusCode::SERVICE_UNAVAILABLE;
            }
            let (rule, msg) = describe(&e);
            let xml = format!(
                "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<d:error xmlns:d=\"DAV:\" xmlns:s=\"urn:suveren:error\"><s:rule>{}</s:rule><s:message>{}</s:message></d:error>\n",
                xml_escape(&rule),
                xml_escape(&msg)
            );
            parts.headers.insert(header::CONTENT_TYPE, HeaderValue::from_static("application/xml; charset=utf-8"));
            parts.headers.remove(header::CONTENT_LENGTH);
            return Response::from_parts(parts, Body::from(xml));
        }
    }
    // Fix-ups of dav_server's XML, applied while it streams:
    // - it percent-encodes `@` in hrefs; a login is `name@domain`, and strict
    //   clients (litmus, neon) compare hrefs with the URL they sent, while
    //   RFC 3986 allows `@` in a path segment;
    // - it writes `getetag` without quotes, but RFC 4918 §15.6 makes it an
    //   entity-tag, the same quoted value as the ETag header.
    if is_xml(&parts.headers) {
        parts.headers.remove(header::CONTENT_LENGTH);
        let mut pairs = vec![
            (b"<D:getetag>".to_vec(), b"<D:getetag>\"".to_vec()),
            (b"</D:getetag>".to_vec(), b"\"</D:getetag>".to_vec()),
        ];
        let (enc, nice) = (encode_strict(&prefix_name), encode_path_segment(&prefix_name));
        if enc != nice {
            pairs.push((format!("{prefix_base}{enc}").into_bytes(), format!("{prefix_base}{nice}").into_bytes()));
        }
        return Response::from_parts(parts, Body::from_stream(rewrite(body, pairs)));
    }
    Response::from_parts(parts, Body::new(body))
}

fn is_xml(h: &http::HeaderMap) -> bool {
    h.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).is_some_and(|v| v.contains("xml"))
}

/// How dav_server encodes a path segment (everything but unreserved).
fn encode_strict(s: &str) -> String {
    const SET: &percent_encoding::AsciiSet =
        &percent_encoding::NON_ALPHANUMERIC.remove(b'-').remove(b'_').remove(b'.').remove(b'~');
    percent_encoding::utf8_percent_encode(s, SET).to_string()
}

/// A path segment as RFC 3986 allows it (pchar keeps `@`, `:` and sub-delims).
fn encode_path_segment(s: &str) -> String {
    const SET: &percent_encoding::AsciiSet = &percent_encoding::NON_ALPHANUMERIC
        .remove(b'-')
        .remove(b'_')
        .remove(b'.')
        .remove(b'~')
        .remove(b'@')
        .remove(b'!')
        .remove(b'$')
        .remove(b'\'')
        .remove(b'(')
        .remove(b')')
        .remove(b'*')
        .remove(b'+')
        .remove(b',')
        .remove(b';')
        .remove(b'=')
        .remove(b':');
    percent_encoding::utf8_percent_encode(s, SET).to_string()
}

/// Applies literal replacements to a streamed body, carrying a tail across
/// chunk boundaries so a match split between chunks is still found.
fn rewrite(
    body: dav_server::body::Body,
    pairs: Vec<(Vec<u8>, Vec<u8>)>,
) -> impl futures_util::Stream<Item = Result<bytes::Bytes, std::io::Error>> + Send {
    use http_body_util::BodyExt;
    let inner = body.into_data_stream();
    let finders: Vec<(memchr::memmem::Finder<'static>, Vec<u8>)> =
        pairs.into_iter().map(|(f, t)| (memchr::memmem::Finder::new(&f).into_owned(), t)).collect();
    let longest = finders.iter().map(|(f, _)| f.needle().len()).max().unwrap_or(1);
    let finders = std::sync::Arc::new(finders);
    futures_util::stream::unfold((Box::pin(inner), Vec::<u8>::new(), false), move |(mut inner, mut carry, done)| {
        let finders = finders.clone();
        async move {
            use futures_util::StreamExt;
            if done {
                return None;
            }
            let (chunk, end) = match inner.next().await {
                Some(Ok(b)) => (b, false),
                Some(Err(e)) => return Some((Err(std::io::Error::other(e.to_string())), (inner, carry, true))),
                None => (bytes::Bytes::new(), true),
            };
            carry.extend_from_slice(&chunk);
            let mut out = Vec::with_capacity(carry.len() + 64);
            let mut i = 0;
            loop {
                // The earliest match of any pattern from `i` on.
                let next = finders
                    .iter()
                    .filter_map(|(f, to)| f.find(&carry[i..]).map(|at| (at, f.needle().len(), to)))
                    .min_by_key(|(at, _, _)| *at);
                let Some((at, n, to)) = next else { break };
                out.extend_from_slice(&carry[i..i + at]);
                out.extend_from_slice(to);
                i += at + n;
            }
            // Keep what could be the start of a match split by the chunk end.
            let keep = if end { 0 } else { (carry.len() - i).min(longest - 1) };
            let flush_to = carry.len() - keep;
            out.extend_from_slice(&carry[i..flush_to]);
            carry.drain(..flush_to);
            Some((Ok(bytes::Bytes::from(out)), (inner, carry, end)))
        }
    })
}

/// The path inside the drive, after `/dav/{files|drives}/<name>`.
fn inner_path(raw: &str, prefix_base: &str) -> Option<String> {
    let rest = raw.strip_prefix(prefix_base)?;
    let inner = rest.split_once('/').map(|(_, p)| p).unwrap_or("");
    let decoded = percent_encoding::percent_decode_str(inner).decode_utf8().ok()?;
    suveren_service::drive::clean_path(&decoded).ok()
}

/// The folder of a lockbox grant on this drive that contains the request's
/// path, if the caller holds one.
fn granted_folder(ctx: &Ctx, place: &suveren_service::drive::Place, raw: &str, prefix_base: &str) -> Option<String> {
    use suveren_policy::{DriveRef, GrantScope};
    let path = inner_path(raw, prefix_base)?;
    let here = match place.drive.kind {
        suveren_service::drive::DriveKind::Team => DriveRef::Team(place.drive.id.clone()),
        suveren_service::drive::DriveKind::Personal => DriveRef::Personal(place.drive.owner.clone()?),
    };
    ctx.actor.grants.iter().find_map(|g| match &g.scope {
        GrantScope::Folder { drive, path: gp } if *drive == here && suveren_store::drive::is_within(&path, gp) => {
            Some(gp.clone())
        }
        _ => None,
    })
}

/// DELETE of an unlocked item without conditions: the whole subtree goes to
/// the trash in one transaction, as one entry that restores whole (the
/// generic path deletes item by item). `None`: let dav_server handle it
/// (conditions, locks, odd Depth).
async fn delete_subtree(
    app: &Arc<App>,
    ctx: &Ctx,
    place: &suveren_service::drive::Place,
    raw: &str,
    prefix_base: &str,
    h: http::HeaderMap,
) -> Option<Response<Body>> {
    if h.contains_key("if") || h.contains_key(header::IF_MATCH) || h.contains_key(header::IF_NONE_MATCH) {
        return None;
    }
    if h.get("depth").is_some_and(|d| !d.as_bytes().eq_ignore_ascii_case(b"infinity")) {
        return None;
    }
    let path = inner_path(raw, prefix_base)?;
    if path == "/" {
        return None;
    }
    let locks = app.store.locks(&place.drive.id).await.ok()?;
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).ok()?.as_millis() as i64;
    if locks.iter().any(|l| {
        l.timeout_at.is_none_or(|t| t > now)
            && (suveren_store::drive::is_within(&l.path, &path)
                || (l.deep && suveren_store::drive::is_within(&path, &l.path)))
    }) {
        return None;
    }
    Some(match app.delete(ctx, place, &path).await {
        Ok(_) => {
            let mut r = Response::new(Body::empty());
            *r.status_mut() = StatusCode::NO_CONTENT;
            r
        }
        Err(ServiceError::NotFound) => not_found(),
        Err(e) => explain(e),
    })
}

/// Checks of the request line and headers before `dav_server` sees them:
/// what it would mishandle (a `..` that climbs out of the drive, bytes that
/// are not UTF-8, malformed `If` and ETag lists it panics on, a copy into
/// itself or onto the drive's root) gets a clear 4xx here instead.
#[allow(clippy::result_large_err)]
fn precheck(req: &Request<Body>, raw: &str) -> Result<(), Response<Body>> {
    let bad = |m: &str| Err(status(StatusCode::BAD_REQUEST, m));
    let decoded = |p: &str| percent_encoding::percent_decode_str(p).decode_utf8().map(|c| c.into_owned());
    let Ok(path) = decoded(raw) else {
        return bad("The path is not valid UTF-8.");
    };
    if path.split('/').any(|seg| seg == "." || seg == "..") {
        return bad("Paths cannot contain `.` or `..` segments.");
    }
    let h = req.headers();
    if let Some(v) = h.get("if") {
        if !v.to_str().is_ok_and(if_header_well_formed) {
            return bad("The If header is malformed.");
        }
    }
    for name in [header::IF_MATCH, header::IF_NONE_MATCH] {
        if let Some(v) = h.get(&name) {
            if !v.to_str().is_ok_and(etag_list_well_formed) {
                return bad(&format!("The {name} header is not a list of entity tags."));
            }
        }
    }
    Ok(())
}

/// Where a COPY or MOVE may go: this server, not into itself, not onto the
/// drive's root. Asked after the drive was found and the caller admitted,
/// so a drive they may not see answers like a missing one first.
#[allow(clippy::result_large_err)]
fn transfer_check(req: &Request<Body>, raw: &str, prefix: &str) -> Result<(), Response<Body>> {
    let bad = |m: &str| Err(status(StatusCode::BAD_REQUEST, m));
    let decoded = |p: &str| percent_encoding::percent_decode_str(p).decode_utf8().map(|c| c.into_owned());
    let h = req.headers();
    let path = decoded(raw).unwrap_or_default();
    if matches!(req.method().as_str(), "COPY" | "MOVE") {
        let Some(dest) = h.get("destination").and_then(|v| v.to_str().ok()) else {
            return bad("COPY and MOVE need a Destination header.");
        };
        // An absolute Destination must name this server.
        let dest_path = match dest.split_once("://") {
            Some((_, rest)) => {
                let (authority, p) =
                    rest.split_once('/').map(|(a, p)| (a, format!("/{p}"))).unwrap_or((rest, "/".into()));
                // HTTP/1.1 requires Host; without one there is nothing to compare.
                let host = h.get(header::HOST).and_then(|v| v.to_str().ok());
                if host.is_some_and(|host| !authority.eq_ignore_ascii_case(host)) {
                    return Err(status(StatusCode::BAD_GATEWAY, "The Destination is on another server."));
                }
                p
            }
            None => dest.to_string(),
        };
        let dest_path = dest_path.split(['?', '#']).next().unwrap_or_default().to_string();
        let Ok(dest_decoded) = decoded(&dest_path) else {
            return bad("The Destination is not valid UTF-8.");
        };
        if dest_decoded.split('/').any(|seg| seg == "." || seg == "..") {
            return bad("The Destination cannot contain `.` or `..` segments.");
        }
        let norm = |p: &str| p.trim_end_matches('/').to_string();
        let (src, dst) = (norm(&path), norm(&dest_decoded));
        if dst == norm(prefix) {
            return Err(status(StatusCode::FORBIDDEN, "The root of a drive cannot be replaced."));
        }
        if dst == src || dst.starts_with(&format!("{src}/")) {
            return Err(status(StatusCode::FORBIDDEN, "A folder cannot be copied or moved into itself."));
        }
    }
    Ok(())
}

/// RFC 4918 §10.4: lists in parentheses of state tokens (`<...>`) and
/// entity tags (`[...]`), optionally negated, optionally tagged with a
/// resource (`<...>` before a list). Only the bracketing is checked here;
/// `dav_server` evaluates the conditions. A bracketed token must close
/// outside double quotes and before any whitespace, as `dav_server`'s
/// scanner reads it: one that does not would make it index past the end.
fn if_header_well_formed(v: &str) -> bool {
    fn closes(chars: &mut std::str::Chars<'_>, end: char) -> bool {
        let mut quoted = false;
        for c in chars {
            match c {
                ' ' | '\t' | '\r' | '\n' => return false,
                '"' => quoted = !quoted,
                c if c == end && !quoted => return true,
                _ => {}
            }
        }
        false
    }
    let mut depth = 0u8;
    let mut chars = v.chars();
    while let Some(c) = chars.next() {
        match c {
            '(' if depth == 0 => depth = 1,
            ')' if depth == 1 => depth = 0,
            '<' if !closes(&mut chars, '>') => return false,
            '[' if depth == 1 && !closes(&mut chars, ']') => return false,
            '<' | '[' if depth == 1 || c == '<' => {}
            '(' | ')' | '[' | ']' | '>' => return false,
            _ => {}
        }
    }
    depth == 0 && !v.trim().is_empty()
}

/// `*`, or a comma-separated list of `"tag"` / `W/"tag"`.
fn etag_list_well_formed(v: &str) -> bool {
    let v = v.trim();
    v == "*"
        || (!v.is_empty()
            && v.split(',').all(|t| {
                let t = t.trim();
                let t = t.strip_prefix("W/").unwrap_or(t);
                t.len() >= 2 && t.starts_with('"') && t.ends_with('"') && !t[1..t.len() - 1].contains('"')
            }))
}

fn describe(e: &ServiceError) -> (String, String) {
    match e {
        ServiceError::Denied(d) => (d.rule.as_str().to_string(), d.message.clone()),
        other => ("request".to_string(), other.to_string()),
    }
}

fn explain(e: ServiceError) -> Response<Body> {
    let code = match &e {
        ServiceError::Denied(_) => StatusCode::FORBIDDEN,
        ServiceError::Unauthenticated(_) => StatusCode::UNAUTHORIZED,
        ServiceError::Invalid(_) => StatusCode::BAD_REQUEST,
        _ => StatusCode::INTERNAL_SERVER_ERROR,
    };
    status(code, &describe(&e).1)
}

fn xml_escape(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn if_headers_as_clients_send_them_pass_and_broken_ones_do_not() {
        for ok in [
            "(<urn:uuid:1>)",
            "(<urn:uuid:1> [\"etag\"])",
            "(Not <DAV:no-lock>)",
            "<http://h/dav/files/a/b> (<urn:uuid:1>) (Not <DAV:no-lock> [W/\"x\"])",
            "([\"e\"])",
        ] {
            assert!(if_header_well_formed(ok), "{ok}");
        }
        for bad in [
            "(<x",
            "(<x>",
            "<x> (",
            "([\"e\"",
            "(x)]",
            "",
            ")(",
            "[\"e\"]",
            "((<x>))",
            // A quote left open hides the closing bracket.
            "(<$\">)",
            "([\"e]\")",
            "(<urn:a b>)",
        ] {
            assert!(!if_header_well_formed(bad), "{bad}");
        }
    }

    #[test]
    fn etag_lists() {
        for ok in ["*", "\"a\"", "W/\"a\", \"b\"", " \"\" "] {
            assert!(etag_list_well_formed(ok), "{ok}");
        }
        for bad in ["\"", "a", "\"a", "W/", "\"a\"\"b\"", ""] {
            assert!(!etag_list_well_formed(bad), "{bad}");
        }
    }
}
