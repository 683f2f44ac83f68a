//! Share links as the people who receive them see them (`/l/{token}`): no
//! account and no JavaScript needed. A view link shows the file (name,
//! size, download) or the folder's files with downloads; an upload link
//! shows only a form to send files into its folder; both carry the level's
//! banner and the link's expiry. A link with a password asks for it first.
//!
//! Every step is the service call the REST API makes for links
//! (`App::open_link`, `link_list`, `link_read`, `link_upload`) under the
//! route's declared action (`link.read`, `link.upload`); the gate decides.
//! Unknown, expired and withdrawn links, and links whose level no longer
//! allows them, all answer the same "this link does not work" page (404),
//! as the service answers them alike.
//!
//! Once the right password is given, the link stays open in that browser
//! for an hour: the service hands out an unlock token for this link
//! (`App::unlock_link`, stored, so every node accepts it) that only a
//! cookie scoped to this link's path carries (`HttpOnly`, `SameSite=Lax`);
//! each request opens the link again with it (`open_link_unlocked`), so the
//! link's validity is checked every time without the password or Argon2.

use askama::Template;
use axum::body::Body;
use axum::extract::State;
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::Response;
use futures_util::TryStreamExt;
use serde::Deserialize;
use suveren_api::AppState;
use suveren_service::drive::LinkAccess;
use suveren_service::ServiceError;

use super::drive::{banner, Banner};
use super::{redirect, render, service_error, url_encode, Chrome};
use crate::extract::{Form, Multipart, Path, Query};
use crate::i18n::{Arg, Tr};
use crate::Page;

/// The cookie that keeps a password link open (one per link, by path).
const COOKIE: &str = "suveren_link";
// ---------------------------------------------------------------- unlocked links

/// The unlock token this browser holds for a password link (the cookie is
/// scoped to the link's path; the service checks it belongs to this link).
fn recall(headers: &HeaderMap) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|s| s.split(';'))
        .filter_map(|kv| kv.trim().strip_prefix(COOKIE).and_then(|r| r.strip_prefix('=')))
        .find(|v| !v.is_empty())
        .map(str::to_string)
}

fn unlock_cookie(s: &AppState, token: &str, value: &str) -> HeaderValue {
    let secure = if s.cookie_secure { "; Secure" } else { "" };
    let c = format!(
        "{COOKIE}={value}; Path=/l/{token}; Max-Age={}; HttpOnly; SameSite=Lax{secure}",
        suveren_service::drive::LINK_UNLOCK_FOR.as_secs()
    );
    HeaderValue::from_str(&c).unwrap_or_else(|_| HeaderValue::from_static("suveren_link=; Max-Age=0"))
}

// ---------------------------------------------------------------- helpers

/// Tokens are URL-safe base64; anything else is no link of ours (and never
/// reaches a cookie path or a URL unescaped).
fn well_formed(token: &str) -> bool {
    (16..=128).contains(&token.len()) && token.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

fn link_href(token: &str) -> String {
    format!("/l/{token}")
}

fn file_href(token: &str, rel: &str) -> String {
    if rel.is_empty() {
        format!("/l/{token}/file")
    } else {
        format!("/l/{token}/file?path={}", url_encode(rel))
    }
}

/// The address to give to others for a link's token, on the host the
/// sharer reached us at (the share dialog prints it).
pub fn absolute(page: &Page, token: &str) -> String {
    format!("{}{}", page.origin, link_href(token))
}

fn disposition(name: &str) -> HeaderValue {
    const SET: &percent_encoding::AsciiSet =
        &percent_encoding::NON_ALPHANUMERIC.remove(b'-').remove(b'_').remove(b'.').remove(b'~');
    let ascii: String =
        name.chars().map(|c| if c.is_ascii_alphanumeric() || ".-_ ".contains(c) { c } else { '_' }).collect();
    let enc = percent_encoding::utf8_percent_encode(name, SET);
    HeaderValue::from_str(&format!("attachment; filename=\"{ascii}\"; filename*=UTF-8''{enc}"))
        .unwrap_or_else(|_| HeaderValue::from_static("attachment"))
}

fn with_status(mut r: Response, status: StatusCode) -> Response {
    *r.status_mut() = status;
    r
}

// ---------------------------------------------------------------- the page

pub struct Entry {
    pub name: String,
    pub dir: bool,
    pub size: String,
    pub modified: String,
    pub href: String,
}

pub struct FileView {
    pub name: String,
    pub size: String,
    pub modified: String,
    pub href: String,
}

#[derive(Template)]
#[template(path = "links.html")]
struct LinkPage {
    c: Chrome,
    /// Unknown, expired, withdrawn: nothing else is shown.
    dead: bool,
    /// The link has a password and it was not given (yet).
    ask_password: bool,
    /// An upload-only link: a form, no listing.
    upload: bool,
    banner: Option<Banner>,
    expiry: String,
    action: String,
    file: Option<FileView>,
    entries: Vec<Entry>,
    done: Option<String>,
    error: Option<String>,
}

impl LinkPage {
    fn empty(c: Chrome) -> LinkPage {
        LinkPage {
            c,
            dead: false,
            ask_password: false,
            upload: false,
            banner: None,
            expiry: String::new(),
            action: String::new(),
            file: None,
            entries: Vec::new(),
            done: None,
            error: None,
        }
    }
}

/// "This link does not work (any more)": the one answer for unknown,
/// expired and withdrawn links (404).
fn dead(page: &Page) -> Response {
    let mut p = LinkPage::empty(Chrome::new(page, page.tr.get("link-dead-title"), ""));
    p.dead = true;
    with_status(render(&p), StatusCode::NOT_FOUND)
}

/// A failure of a link request: "not found" (which is how the service
/// answers every link that does not work) is the dead-link page; any other
/// refusal or failure says why.
fn failed(page: &Page, e: ServiceError) -> Response {
    match e {
        ServiceError::NotFound => dead(page),
        other => service_error(page.tr, other),
    }
}

fn password_page(page: &Page, token: &str, error: Option<String>) -> Response {
    let status = if error.is_some() { StatusCode::UNAUTHORIZED } else { StatusCode::OK };
    let mut p = LinkPage::empty(Chrome::new(page, page.tr.get("link-password-title"), ""));
    p.ask_password = true;
    p.action = link_href(token);
    p.error = error;
    with_status(render(&p), status)
}

/// What the page is called: the item's name, or the drive's for its root.
fn title_of(l: &LinkAccess, node: &suveren_store::drive::Node) -> String {
    if node.path == "/" || node.name.is_empty() {
        l.place.drive.name.clone()
    } else {
        node.name.clone()
    }
}

fn expiry(tr: Tr, l: &LinkAccess) -> String {
    match l.share.expires {
        Some(ms) => tr.args("link-expires", &[("when", Arg::S(tr.datetime(ms)))]),
        None => tr.get("link-no-expiry"),
    }
}

/// What an opened link shows.
async fn view(
    s: &AppState,
    page: &Page,
    token: &str,
    l: &LinkAccess,
    done: Option<String>,
    error: Option<String>,
    status: StatusCode,
) -> Response {
    let tr = page.tr;
    let snap = s.app.snapshot();
    if l.share.role == "upload" {
        let title = tr.args("link-upload-title", &[("name", Arg::S(title_of(l, &l.node)))]);
        let mut p = LinkPage::empty(Chrome::new(page, title, ""));
        p.upload = true;
        p.banner = Some(banner(tr, &snap, &l.place.drive, l.node.level));
        p.expiry = expiry(tr, l);
        p.action = format!("{}/upload", link_href(token));
        p.done = done;
        p.error = error;
        return with_status(render(&p), status);
    }
    let (me, children) = match s.app.link_list(&page.ctx, l).await {
        Ok(x) => x,
        Err(e) => return failed(page, e),
    };
    let mut p = LinkPage::empty(Chrome::new(page, title_of(l, &me), ""));
    p.banner = Some(banner(tr, &snap, &l.place.drive, me.level));
    p.expiry = expiry(tr, l);
    p.done = done;
    p.error = error;
    if me.dir {
        p.entries = children
            .iter()
            .map(|n| {
                let rel = n.path.strip_prefix(me.path.as_str()).unwrap_or(&n.name).trim_start_matches('/');
                Entry {
                    name: n.name.clone(),
                    dir: n.dir,
                    size: if n.dir { String::new() } else { tr.bytes(n.size) },
                    modified: tr.datetime(n.modified),
                    href: if n.dir { String::new() } else { file_href(token, rel) },
                }
            })
            .collect();
    } else {
        p.file = Some(FileView {
            name: me.name.clone(),
            size: tr.bytes(me.size),
            modified: tr.datetime(me.modified),
            href: file_href(token, ""),
        });
    }
    with_status(render(&p), status)
}

#[derive(Deserialize, Default)]
pub struct ShowQ {
    /// Files received through an upload link (a count only).
    #[serde(default)]
    sent: Option<u32>,
}

/// `GET /l/{token}`: what the link shares, or its password form.
pub async fn show(
    State(s): State<AppState>,
    page: Page,
    Path(token): Path<String>,
    Query(q): Query<ShowQ>,
    headers: HeaderMap,
) -> Response {
    if !well_formed(&token) {
        return dead(&page);
    }
    let unlock = recall(&headers);
    match s.app.open_link_unlocked(&token, unlock.as_deref()).await {
        Ok(l) => {
            let done = q.sent.map(|n| page.tr.args("link-sent", &[("count", Arg::N(f64::from(n)))]));
            view(&s, &page, &token, &l, done, None, StatusCode::OK).await
        }
        Err(ServiceError::Unauthenticated(_)) => password_page(&page, &token, None),
        Err(e) => failed(&page, e),
    }
}

#[derive(Deserialize)]
pub struct PasswordForm {
    #[serde(default)]
    password: String,
}

/// `POST /l/{token}`: the link's password; right, the link opens in this
/// browser for a while; wrong, the form again with the reason.
pub async fn unlock(
    State(s): State<AppState>,
    page: Page,
    Path(token): Path<String>,
    Form(f): Form<PasswordForm>,
) -> Response {
    if !well_formed(&token) {
        return dead(&page);
    }
    if f.password.is_empty() {
        return password_page(&page, &token, Some(page.tr.get("link-password-empty")));
    }
    match s.app.unlock_link(&token, &f.password).await {
        Ok((_, unlock)) => {
            let mut r = redirect(&link_href(&token));
            if let Some(value) = unlock {
                r.headers_mut().append(header::SET_COOKIE, unlock_cookie(&s, &token, &value));
            }
            r
        }
        Err(ServiceError::Unauthenticated(_)) => password_page(&page, &token, Some(page.tr.get("link-password-wrong"))),
        Err(e) => failed(&page, e),
    }
}

#[derive(Deserialize, Default)]
pub struct FileQ {
    /// Below a linked folder: the file's path relative to it.
    #[serde(default)]
    path: Option<String>,
}

/// `GET /l/{token}/file[?path=REL]`: a download through a view link,
/// streamed.
pub async fn download(
    State(s): State<AppState>,
    page: Page,
    Path(token): Path<String>,
    Query(q): Query<FileQ>,
    headers: HeaderMap,
) -> Response {
    if !well_formed(&token) {
        return dead(&page);
    }
    let unlock = recall(&headers);
    let l = match s.app.open_link_unlocked(&token, unlock.as_deref()).await {
        Ok(l) => l,
        // The password first, then back to the link's page.
        Err(ServiceError::Unauthenticated(_)) => return password_page(&page, &token, None),
        Err(e) => return failed(&page, e),
    };
    let rel = q.path.unwrap_or_default();
    let r = match s.app.link_read(&page.ctx, &l, &rel, None).await {
        Ok(r) => r,
        Err(e) => return failed(&page, e),
    };
    let mut res = Response::new(Body::from_stream(r.body.map_err(|e| std::io::Error::other(e.to_string()))));
    let h = res.headers_mut();
    h.insert(header::CONTENT_LENGTH, HeaderValue::from(r.len));
    let ct = r.node.mime.clone().unwrap_or_else(|| "application/octet-stream".into());
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_str(&ct).unwrap_or(HeaderValue::from_static("application/octet-stream")),
    );
    h.insert(header::CONTENT_DISPOSITION, disposition(&r.node.name));
    res
}

/// `POST /l/{token}/upload`: files through an upload link (multipart, one
/// or more `file` parts, each streamed into the folder). Nothing there is
/// shown or replaced.
pub async fn upload(
    State(s): State<AppState>,
    page: Page,
    Path(token): Path<String>,
    headers: HeaderMap,
    mut mp: Multipart,
) -> Response {
    let tr = page.tr;
    if !well_formed(&token) {
        return dead(&page);
    }
    let unlock = recall(&headers);
    let l = match s.app.open_link_unlocked(&token, unlock.as_deref()).await {
        Ok(l) => l,
        Err(ServiceError::Unauthenticated(_)) => return password_page(&page, &token, None),
        Err(e) => return failed(&page, e),
    };
    let mut sent = 0u32;
    loop {
        let field = match mp.next_field().await {
            Ok(Some(f)) => f,
            Ok(None) => break,
            Err(_) => {
                let e = tr.get("drive-err-upload-broken");
                return view(&s, &page, &token, &l, None, Some(e), StatusCode::BAD_REQUEST).await;
            }
        };
        if field.name() != Some("file") {
            continue;
        }
        let name = field.file_name().map(|n| n.rsplit(['/', '\\']).next().unwrap_or(n).to_string()).unwrap_or_default();
        if name.is_empty() {
            continue;
        }
        let mut reader = tokio_util::io::StreamReader::new(Box::pin(field.map_err(std::io::Error::other)));
        match s.app.link_upload(&page.ctx, &l, &name, &mut reader, None).await {
            Ok(_) => sent += 1,
            Err(ServiceError::NotFound) => return dead(&page),
            Err(e) => {
                let why = tr.error(&e).unwrap_or_else(|| tr.get("error-title"));
                let msg = tr.args("drive-err-file", &[("name", Arg::S(name)), ("reason", Arg::S(why))]);
                let status = match e {
                    ServiceError::Denied(_) => StatusCode::FORBIDDEN,
                    ServiceError::Invalid(_) => StatusCode::UNPROCESSABLE_ENTITY,
                    ServiceError::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
                    _ => StatusCode::CONFLICT,
                };
                let done = (sent > 0).then(|| tr.args("link-sent", &[("count", Arg::N(f64::from(sent)))]));
                return view(&s, &page, &token, &l, done, Some(msg), status).await;
            }
        }
    }
    if sent == 0 {
        let e = tr.get("link-upload-none");
        return view(&s, &page, &token, &l, None, Some(e), StatusCode::UNPROCESSABLE_ENTITY).await;
    }
    redirect(&format!("{}?sent={sent}", link_href(&token)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_and_addresses() {
        let t = suveren_identity::token::new_token();
        assert!(well_formed(&t), "{t}");
        assert!(!well_formed("short"));
        assert!(!well_formed("aaaaaaaaaaaaaaaaaaaa;Path=/"));
        assert_eq!(file_href("abc", ""), "/l/abc/file");
        assert_eq!(file_href("abc", "Årsplan 8.txt"), "/l/abc/file?path=%C3%85rsplan%208.txt");
    }

    #[test]
    fn the_unlock_cookie_is_read_from_among_others() {
        let mut h = HeaderMap::new();
        h.insert(header::COOKIE, HeaderValue::from_static("other=1; suveren_link=abc"));
        assert_eq!(recall(&h).as_deref(), Some("abc"));
        h.insert(header::COOKIE, HeaderValue::from_static("suveren_link="));
        assert_eq!(recall(&h), None);
    }
}
