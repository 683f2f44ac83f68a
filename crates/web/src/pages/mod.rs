//! Page handlers and what every page shares: the frame around the content
//! (navigation by role, language selector, sign-out), error pages that say
//! why, redirects.

pub mod admin;
pub mod admin_drives;
pub mod admin_policy;
pub mod admin_principal;
pub mod audit;
pub mod auth;
pub mod directory;
pub mod drive;
pub mod federation;
pub mod home;
pub mod links;
pub mod lockbox;
pub mod operator;
pub mod settings;

use askama::Template;
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use suveren_domain::Role;
use suveren_service::ServiceError;

use crate::i18n::{Lang, Tr};
use crate::Page;

/// One entry of the main navigation.
pub struct NavItem {
    pub href: &'static str,
    pub label: String,
    pub current: bool,
}

/// What the frame of every page needs.
pub struct Chrome {
    pub tr: Tr,
    pub title: String,
    pub user: Option<String>,
    pub csrf: String,
    pub here: String,
    pub nav: Vec<NavItem>,
    pub langs: Vec<(&'static str, &'static str, bool)>,
    pub css: String,
    pub js: String,
}

impl Chrome {
    pub fn new(page: &Page, title: String, section: &str) -> Chrome {
        let tr = page.tr;
        let mut nav = Vec::new();
        if let Some(p) = &page.ctx.actor.principal {
            let mut add = |href: &'static str, id: &str| {
                nav.push(NavItem { href, label: tr.get(id), current: href == section });
            };
            add("/home", "nav-home");
            if p.tenant != suveren_domain::OPERATOR_REALM {
                add("/drive", "nav-drive");
                add("/directory", "nav-directory");
            }
            add("/lockbox", "nav-lockbox");
            add("/settings", "nav-settings");
            if p.has_role(Role::TenantAdmin) {
                add("/admin", "nav-admin");
            }
            if p.has_role(Role::OperatorAdmin) {
                add("/operator", "nav-operator");
            }
            if p.has_role(Role::Auditor) || p.has_role(Role::OperatorAdmin) {
                add("/audit", "nav-audit");
            }
        }
        Chrome {
            tr,
            title,
            user: page.ctx.actor.principal.as_ref().map(|p| p.name.clone()),
            csrf: page.csrf.clone(),
            here: page.here.clone(),
            nav,
            langs: Lang::ALL.iter().map(|l| (l.code(), l.native(), *l == tr.lang)).collect(),
            css: crate::assets::url("app.css"),
            js: crate::assets::url("app.js"),
        }
    }

    /// The frame for pages outside a session (sign-in, errors).
    pub fn bare(tr: Tr, title: String) -> Chrome {
        Chrome {
            tr,
            title,
            user: None,
            csrf: String::new(),
            here: "/".into(),
            nav: Vec::new(),
            langs: Lang::ALL.iter().map(|l| (l.code(), l.native(), *l == tr.lang)).collect(),
            css: crate::assets::url("app.css"),
            js: crate::assets::url("app.js"),
        }
    }
}

/// Renders a template into a page; a template error is a bug, shown as a
/// plain error page.
pub fn render(t: &impl Template) -> Response {
    match t.render() {
        Ok(html) => Html(html).into_response(),
        Err(e) => {
            tracing::error!(error = %e, "template");
            (StatusCode::INTERNAL_SERVER_ERROR, "template error").into_response()
        }
    }
}

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage {
    c: Chrome,
    message: String,
}

pub fn error_page(tr: Tr, status: StatusCode, message: String) -> Response {
    let mut r = render(&ErrorPage { c: Chrome::bare(tr, tr.get("error-title")), message });
    *r.status_mut() = status;
    r
}

/// A service error as a page that says why (refusals carry the gate's
/// reason; anything concealed reads as "not found").
pub fn service_error(tr: Tr, e: ServiceError) -> Response {
    match e {
        ServiceError::NotFound => error_page(tr, StatusCode::NOT_FOUND, tr.get("error-not-found")),
        ServiceError::Denied(d) => error_page(
            tr,
            StatusCode::FORBIDDEN,
            tr.args("error-denied", &[("reason", crate::i18n::Arg::S(tr.denial(&d)))]),
        ),
        ServiceError::Invalid(m) | ServiceError::Conflict(m) => {
            error_page(tr, StatusCode::UNPROCESSABLE_ENTITY, tr.said(&m))
        }
        ServiceError::Unauthenticated(m) => error_page(tr, StatusCode::UNAUTHORIZED, tr.said(&m)),
        ServiceError::Unavailable(m) => error_page(tr, StatusCode::SERVICE_UNAVAILABLE, tr.said(&m)),
        ServiceError::Drive(c) => {
            use suveren_store::drive::DriveConflict as C;
            let status = match &c {
                C::Missing(_) | C::NoParent(_) | C::RestoreParent(_) => StatusCode::NOT_FOUND,
                C::Precondition(_) => StatusCode::PRECONDITION_FAILED,
                _ => StatusCode::CONFLICT,
            };
            error_page(tr, status, tr.conflict(&c))
        }
        e @ ServiceError::MfaRequired => error_page(tr, StatusCode::UNAUTHORIZED, tr.error(&e).unwrap_or_default()),
        e @ ServiceError::Throttled(_) => {
            error_page(tr, StatusCode::TOO_MANY_REQUESTS, tr.error(&e).unwrap_or_default())
        }
        other => {
            tracing::error!(error = %other, "page");
            error_page(tr, StatusCode::INTERNAL_SERVER_ERROR, tr.get("error-title"))
        }
    }
}

/// 303 See Other: after a POST, the browser GETs the target.
pub fn redirect(to: &str) -> Response {
    let mut r = StatusCode::SEE_OTHER.into_response();
    r.headers_mut().insert(header::LOCATION, HeaderValue::from_str(to).unwrap_or(HeaderValue::from_static("/")));
    r
}

pub fn url_encode(s: &str) -> String {
    s.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-._~/".contains(&b) {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

/// Only local paths are followed after sign-in or a language change, never
/// another site (`//evil`, `/\evil` or a scheme).
pub fn safe_next(next: &str) -> &str {
    if next.starts_with('/') && !next.starts_with("//") && !next.contains('\\') && !next.contains("://") {
        next
    } else {
        "/home"
    }
}
