//! The caller's settings: app passwords for WebDAV and sync clients (shown
//! once, listed without the secret, revocable) with how-tos for Windows,
//! macOS and rclone; TOTP enrolment with a QR code drawn on the server;
//! the language.

use crate::extract::Form;
use crate::extract::{Path, Query};
use askama::Template;
use axum::extract::State;
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::Response;
use serde::Deserialize;
use suveren_api::AppState;
use suveren_policy::Action;
use suveren_service::{Ctx, ServiceError};

use super::{redirect, render, service_error, Chrome};
use crate::i18n::{Arg, Lang, Tr};
use crate::Page;

pub struct PwLine {
    pub id: String,
    pub label: String,
    pub created: String,
    pub last_used: String,
}

/// A TOTP enrolment in progress: the secret grouped for typing, the
/// otpauth link and its QR code.
pub struct Enrol {
    pub grouped: String,
    pub secret: String,
    pub uri: String,
    pub qr: Option<String>,
}

#[derive(Default)]
struct Extra {
    error: Option<String>,
    done: Option<String>,
    created: Option<(String, String)>,
    enrol: Option<Enrol>,
    recovery: Vec<String>,
    label: String,
}

#[derive(Template)]
#[template(path = "settings.html")]
struct SettingsPage {
    c: Chrome,
    login: String,
    passwords: Vec<PwLine>,
    dav_url: String,
    has_totp: bool,
    error: Option<String>,
    done: Option<String>,
    /// The new app password (label, secret): shown this once.
    created: Option<(String, String)>,
    enrol: Option<Enrol>,
    recovery: Vec<String>,
    label: String,
    langs: Vec<(&'static str, &'static str, bool)>,
    /// The gate lets the caller download their own data (GDPR Art. 15/20).
    self_export: bool,
}

/// The QR code of an otpauth URL as inline SVG, labelled for screen
/// readers (who use the secret below it instead).
fn qr_svg(uri: &str, label: &str) -> Option<String> {
    let code = qrcode::QrCode::new(uri.as_bytes()).ok()?;
    let svg = code.render::<qrcode::render::svg::Color>().min_dimensions(200, 200).quiet_zone(true).build();
    let svg = svg.split_once("?>").map(|(_, s)| s.to_string()).unwrap_or(svg);
    let label = label.replace('&', "&amp;").replace('"', "&quot;").replace('<', "&lt;");
    Some(svg.replacen("<svg ", &format!("<svg role=\"img\" aria-label=\"{label}\" class=\"qr\" "), 1))
}

fn grouped(secret: &str) -> String {
    secret.chars().collect::<Vec<_>>().chunks(4).map(|c| c.iter().collect::<String>()).collect::<Vec<_>>().join(" ")
}

fn enrol(tr: Tr, secret: String, uri: String) -> Enrol {
    let qr = uri.starts_with("otpauth://").then(|| qr_svg(&uri, &tr.get("set-totp-qr-label"))).flatten();
    Enrol { grouped: grouped(&secret), secret, uri, qr }
}

fn dav_url(s: &AppState, headers: &HeaderMap, login: &str) -> String {
    let host = headers.get(header::HOST).and_then(|v| v.to_str().ok()).unwrap_or("localhost");
    let scheme = if s.cookie_secure { "https" } else { "http" };
    format!("{scheme}://{host}/dav/files/{login}/")
}

async fn build(s: &AppState, page: &Page, headers: &HeaderMap, x: Extra) -> Response {
    let tr = page.tr;
    let Some(me) = page.ctx.actor.principal.clone() else {
        return redirect("/");
    };
    let ctx = Ctx { action: Action::AppPasswordList, ..page.ctx.clone() };
    let mut list = match s.app.list_app_passwords(&ctx).await {
        Ok(l) => l,
        Err(e) => return service_error(tr, e),
    };
    list.sort_by_key(|p| std::cmp::Reverse(p.created));
    let passwords = list
        .into_iter()
        .map(|p| PwLine {
            id: p.id,
            label: p.label,
            created: tr.datetime(p.created * 1000),
            last_used: p.last_used.map(|t| tr.datetime(t * 1000)).unwrap_or_else(|| tr.get("set-never")),
        })
        .collect();
    let has_totp = match s.app.has_totp(&me.id).await {
        Ok(b) => b,
        Err(e) => return service_error(tr, e),
    };
    let c = Chrome::new(page, tr.get("set-title"), "/settings");
    render(&SettingsPage {
        c,
        dav_url: dav_url(s, headers, &me.login),
        login: me.login.clone(),
        passwords,
        has_totp,
        error: x.error,
        done: x.done,
        created: x.created,
        enrol: x.enrol,
        recovery: x.recovery,
        label: x.label,
        langs: Lang::ALL.iter().map(|l| (l.code(), l.native(), *l == tr.lang)).collect(),
        self_export: super::admin_principal::may_export_self(s, page),
    })
}

/// A refusal shown inline, with the service's words.
fn refusal(tr: Tr, e: &ServiceError) -> Option<(StatusCode, String)> {
    match e {
        ServiceError::Denied(d) => {
            Some((StatusCode::FORBIDDEN, tr.args("error-denied", &[("reason", Arg::S(tr.denial(d)))])))
        }
        ServiceError::Conflict(m) => Some((StatusCode::CONFLICT, tr.said(m))),
        ServiceError::Invalid(m) => Some((StatusCode::UNPROCESSABLE_ENTITY, tr.said(m))),
        ServiceError::NotFound => Some((StatusCode::NOT_FOUND, tr.get("error-not-found"))),
        _ => None,
    }
}

async fn refused(s: &AppState, page: &Page, headers: &HeaderMap, e: ServiceError, mut x: Extra) -> Response {
    match refusal(page.tr, &e) {
        Some((status, msg)) => {
            x.error = Some(msg);
            let mut r = build(s, page, headers, x).await;
            if r.status() == StatusCode::OK {
                *r.status_mut() = status;
            }
            r
        }
        None => service_error(page.tr, e),
    }
}

#[derive(Deserialize)]
pub struct DoneQuery {
    #[serde(default)]
    done: Option<String>,
}

/// `GET /settings`.
pub async fn settings(
    State(s): State<AppState>,
    page: Page,
    headers: HeaderMap,
    Query(q): Query<DoneQuery>,
) -> Response {
    let done = match q.done.as_deref() {
        Some("revoked") => Some(page.tr.get("set-pw-revoked")),
        _ => None,
    };
    build(&s, &page, &headers, Extra { done, ..Default::default() }).await
}

#[derive(Deserialize)]
pub struct LabelForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    label: String,
}

/// `POST /settings/app-passwords`: creates one and shows it this once (the
/// answer is the page itself, not a redirect, so the secret is never
/// stored anywhere to be shown again).
pub async fn create_app_password(
    State(s): State<AppState>,
    page: Page,
    headers: HeaderMap,
    Form(f): Form<LabelForm>,
) -> Response {
    if let Some(r) = crate::check_csrf(&page, &f.csrf) {
        return r;
    }
    match s.app.create_app_password(&page.ctx, &f.label).await {
        Ok((info, pw)) => {
            let x = Extra { created: Some((info.label, pw)), ..Default::default() };
            build(&s, &page, &headers, x).await
        }
        Err(e) => refused(&s, &page, &headers, e, Extra { label: f.label, ..Default::default() }).await,
    }
}

#[derive(Deserialize)]
pub struct CsrfForm {
    #[serde(default)]
    csrf: String,
}

/// `POST /settings/app-passwords/{id}/revoke`.
pub async fn revoke_app_password(
    State(s): State<AppState>,
    page: Page,
    headers: HeaderMap,
    Path(id): Path<String>,
    Form(f): Form<CsrfForm>,
) -> Response {
    if let Some(r) = crate::check_csrf(&page, &f.csrf) {
        return r;
    }
    match s.app.revoke_app_password(&page.ctx, &id).await {
        Ok(()) => redirect("/settings?done=revoked"),
        Err(e) => refused(&s, &page, &headers, e, Extra::default()).await,
    }
}

/// `POST /settings/totp`: starts enrolment and shows the QR code.
pub async fn totp_enrol(
    State(s): State<AppState>,
    page: Page,
    headers: HeaderMap,
    Form(f): Form<CsrfForm>,
) -> Response {
    if let Some(r) = crate::check_csrf(&page, &f.csrf) {
        return r;
    }
    match s.app.totp_enrol(&page.ctx).await {
        Ok((secret, uri)) => {
            let x = Extra { enrol: Some(enrol(page.tr, secret, uri)), ..Default::default() };
            build(&s, &page, &headers, x).await
        }
        Err(e) => refused(&s, &page, &headers, e, Extra::default()).await,
    }
}

#[derive(Deserialize)]
pub struct ConfirmForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    code: String,
    /// The enrolment being confirmed, to show it again after a wrong code
    /// (display only: the service checks against its own pending secret).
    #[serde(default)]
    secret: String,
    #[serde(default)]
    uri: String,
}

/// `POST /settings/totp/confirm`: the service rotates the session (a
/// privilege change), so the answer carries the new cookie, and shows the
/// recovery codes this once.
pub async fn totp_confirm(
    State(s): State<AppState>,
    page: Page,
    headers: HeaderMap,
    Form(f): Form<ConfirmForm>,
) -> Response {
    if let Some(r) = crate::check_csrf(&page, &f.csrf) {
        return r;
    }
    match s.app.totp_confirm(&page.ctx, &f.code).await {
        Ok((ns, codes)) => {
            // The page is drawn for the new session: its forms carry the
            // new session's token.
            let page = match s.app.session_actor(&ns.token).await {
                Ok(Some((actor, digest))) => Page {
                    ctx: Ctx { actor, session: Some(digest.clone()), ..page.ctx.clone() },
                    tr: page.tr,
                    csrf: crate::csrf_token(&digest),
                    here: page.here.clone(),
                    origin: page.origin.clone(),
                },
                Ok(None) => page,
                Err(e) => return service_error(page.tr, e),
            };
            let x = Extra { done: Some(page.tr.get("set-totp-done")), recovery: codes, ..Default::default() };
            let mut r = build(&s, &page, &headers, x).await;
            let max_age = s.app.settings.session_absolute.as_secs() as i64;
            r.headers_mut().insert(header::SET_COOKIE, super::auth::session_cookie(&s, &ns.token, max_age));
            r
        }
        Err(e) => {
            let shown = (!f.secret.is_empty()).then(|| enrol(page.tr, f.secret, f.uri));
            let x = Extra { enrol: shown, ..Default::default() };
            refused(&s, &page, &headers, e, x).await
        }
    }
}
