//! The web UI (issue 5): server-rendered HTML from templates compiled into
//! the binary (askama), in Norwegian bokmål, Swedish and English (Fluent),
//! with every asset embedded and served by Suveren itself.
//!
//! Pages are a protocol surface like the REST API and WebDAV: each route
//! declares its [`Action`], every handler reaches the services through a
//! [`Page`] (the caller's [`Ctx`]), and the services ask the gate. Nothing
//! here decides access. Basic flows (sign in, browse, download) work without
//! JavaScript; `app.js` only enhances.
//!
//! Security: a strict Content-Security-Policy without inline scripts or
//! styles, state-changing forms only by POST with a per-session CSRF token
//! and a same-origin check, and answers that are never cached.

mod assets;
pub mod extract;
pub mod i18n;
mod pages;

use std::sync::Arc;

use axum::extract::{FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::{header, HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::Response;
use axum::routing::{on, MethodFilter};
use axum::{Extension, Router};
use base64::Engine;
use sha2::{Digest, Sha256};
use suveren_api::routes::Declared;
use suveren_api::AppState;
use suveren_policy::{Action, Actor};
use suveren_service::{App, Ctx};

pub use i18n::{Lang, Tr};

/// The cookie the language selector sets.
pub const LANG_COOKIE: &str = "suveren_lang";

/// Options of the web edge (shared with the API's).
#[derive(Debug, Clone, Default)]
pub struct WebOptions {
    pub cookie_secure: bool,
    pub trusted_proxies: Vec<std::net::IpAddr>,
}

/// A page request: who asks (anonymous on public pages), in which
/// language, and the token its forms must carry.
pub struct Page {
    pub ctx: Ctx,
    pub tr: Tr,
    pub csrf: String,
    /// Path and query, to come back to after a language change.
    pub here: String,
    /// `scheme://host` as the browser reached us, for addresses given to
    /// others (share links).
    pub origin: String,
}

impl Page {
    pub fn signed_in(&self) -> bool {
        self.ctx.actor.principal.is_some()
    }
}

fn cookie_value<'a>(parts: &'a Parts, names: &[&str]) -> Option<&'a str> {
    for v in parts.headers.get_all(header::COOKIE) {
        let Ok(s) = v.to_str() else { continue };
        for kv in s.split(';') {
            if let Some((k, val)) = kv.trim().split_once('=') {
                if names.contains(&k) {
                    return Some(val);
                }
            }
        }
    }
    None
}

/// The CSRF token of a session: derived from the session's secret digest,
/// so it needs no storage and cannot be forged without the session cookie.
pub fn csrf_token(session_digest: &str) -> String {
    let h = Sha256::new_with_prefix(b"suveren/csrf/v1").chain_update(session_digest.as_bytes()).finalize();
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(&h[..18])
}

fn language(parts: &Parts) -> Lang {
    cookie_value(parts, &[LANG_COOKIE])
        .and_then(Lang::parse)
        .or_else(|| {
            parts.headers.get(header::ACCEPT_LANGUAGE).and_then(|v| v.to_str().ok()).and_then(Lang::from_accept)
        })
        .unwrap_or(Lang::Nb)
}

impl FromRequestParts<AppState> for Page {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let tr = Tr::new(language(parts));
        let Some(Declared(action)) = parts.extensions.get::<Declared>().copied() else {
            tracing::error!(path = %parts.uri.path(), "page without a declared action");
            return Err(pages::error_page(tr, StatusCode::INTERNAL_SERVER_ERROR, tr.get("error-title")));
        };
        let client = suveren_api::extract::client_ip(parts, state);
        let mut ctx = Ctx {
            actor: Actor::anonymous(),
            action,
            client,
            request_id: suveren_api::extract::request_id(parts),
            session: None,
            note: None,
        };
        if let Some(tok) = cookie_value(parts, &[suveren_api::extract::COOKIE, suveren_api::extract::COOKIE_SECURE]) {
            match state.app.session_actor(tok).await {
                Ok(Some((actor, digest))) => {
                    ctx.actor = actor;
                    ctx.session = Some(digest);
                }
                Ok(None) => {}
                Err(e) => return Err(pages::service_error(tr, e)),
            }
        }
        let csrf = ctx.session.as_deref().map(csrf_token).unwrap_or_default();
        let here = parts.uri.path_and_query().map(|p| p.as_str().to_string()).unwrap_or_else(|| "/".into());
        let public =
            matches!(action.class(), suveren_policy::ActionClass::Public | suveren_policy::ActionClass::Link(_));
        if ctx.actor.principal.is_none() && !public {
            // Not signed in (or the session ended): to the sign-in page,
            // which says so, and back here afterwards.
            let to = format!("/?expired=1&next={}", pages::url_encode(&here));
            return Err(pages::redirect(&to));
        }
        let host = parts.headers.get(header::HOST).and_then(|v| v.to_str().ok()).unwrap_or("localhost");
        let origin = format!("{}://{host}", if state.cookie_secure { "https" } else { "http" });
        Ok(Page { ctx, tr, csrf, here, origin })
    }
}

/// Refuses a state-changing request without the session's token (forms
/// carry it as the field `csrf`): `Some(answer)` is the refusal to return.
pub fn check_csrf(page: &Page, token: &str) -> Option<Response> {
    use subtle::ConstantTimeEq;
    let ok = !page.csrf.is_empty() && bool::from(page.csrf.as_bytes().ct_eq(token.as_bytes()));
    (!ok).then(|| pages::error_page(page.tr, StatusCode::FORBIDDEN, page.tr.get("error-csrf")))
}

/// POSTs must come from our own pages: the browser's `Origin` (or, failing
/// that, `Referer`) must name this host. Together with SameSite cookies
/// this also stops login CSRF, where no session token exists yet.
async fn same_origin(req: Request, next: Next) -> Response {
    if req.method() == Method::POST {
        let host = req.headers().get(header::HOST).and_then(|v| v.to_str().ok()).unwrap_or("");
        let origin = req
            .headers()
            .get(header::ORIGIN)
            .or_else(|| req.headers().get(header::REFERER))
            .and_then(|v| v.to_str().ok())
            .unwrap_or("");
        let authority = origin.split("://").nth(1).map(|r| r.split('/').next().unwrap_or("")).unwrap_or("");
        if origin == "null" || authority != host {
            let tr = Tr::new(
                Lang::from_accept(
                    req.headers().get(header::ACCEPT_LANGUAGE).and_then(|v| v.to_str().ok()).unwrap_or(""),
                )
                .unwrap_or(Lang::Nb),
            );
            return pages::error_page(tr, StatusCode::FORBIDDEN, tr.get("error-csrf"));
        }
    }
    next.run(req).await
}

/// Content-Security-Policy of every page: our own scripts, styles and
/// images only, no inline code, no framing, forms only to ourselves.
pub const CSP: &str = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; \
     connect-src 'self'; font-src 'none'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

async fn headers(req: Request, next: Next) -> Response {
    let mut res = next.run(req).await;
    let h = res.headers_mut();
    h.insert(header::CONTENT_SECURITY_POLICY, HeaderValue::from_static(CSP));
    h.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    h.insert(header::REFERRER_POLICY, HeaderValue::from_static("same-origin"));
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    h.entry(header::CACHE_CONTROL).or_insert(HeaderValue::from_static("no-store"));
    res
}

/// Registers one page under its declared action.
struct Pages {
    router: Router<AppState>,
    table: Vec<(&'static str, &'static str, Action)>,
}

impl Pages {
    fn route<H, T>(mut self, method: &'static str, path: &'static str, action: Action, handler: H) -> Self
    where
        H: axum::handler::Handler<T, AppState>,
        T: 'static,
    {
        let filter = match method {
            "GET" => MethodFilter::GET,
            "POST" => MethodFilter::POST,
            other => panic!("pages use GET and POST only, not {other}"),
        };
        self.router = self.router.route(path, on(filter, handler).layer(Extension(Declared(action))));
        self.table.push((method, path, action));
        self
    }
}

fn pages() -> Pages {
    use Action::*;
    Pages { router: Router::new(), table: Vec::new() }
        .route("GET", "/", SignIn, pages::auth::front)
        .route("POST", "/signin", SignIn, pages::auth::sign_in)
        .route("POST", "/signout", SignOut, pages::auth::sign_out)
        .route("GET", "/language", SignIn, pages::auth::set_language)
        .route("GET", "/home", SessionRead, pages::home::home)
        .route("GET", "/drive", ContentList, pages::drive::index)
        .route("GET", "/drive/shared", ContentList, pages::drive::shared)
        .route("GET", "/drive/shared-by-me", ContentList, pages::drive::shared_by_me)
        .route("GET", "/drive/search", ContentList, pages::drive::search)
        .route("GET", "/drive/{drive}", ContentList, pages::drive::folder)
        .route("GET", "/drive/{drive}/file", ContentRead, pages::drive::download)
        .route("GET", "/drive/{drive}/item", ContentList, pages::drive::item)
        .route(
            "POST",
            "/drive/{drive}/upload",
            ContentWrite,
            axum::handler::Handler::layer(pages::drive::upload, axum::extract::DefaultBodyLimit::disable()),
        )
        .route("POST", "/drive/{drive}/mkdir", ContentWrite, pages::drive::mkdir)
        .route("POST", "/drive/{drive}/move", ContentWrite, pages::drive::move_item)
        .route("POST", "/drive/{drive}/copy", ContentWrite, pages::drive::copy_item)
        .route("POST", "/drive/{drive}/level", ContentWrite, pages::drive::set_level)
        .route("POST", "/drive/{drive}/delete", ContentDelete, pages::drive::delete)
        .route("GET", "/drive/{drive}/trash", ContentList, pages::drive::trash)
        .route("POST", "/drive/{drive}/trash/restore", ContentWrite, pages::drive::restore)
        .route("GET", "/drive/{drive}/trash/confirm", ContentList, pages::drive::purge_confirm)
        .route("POST", "/drive/{drive}/trash/purge", ContentDelete, pages::drive::purge)
        .route("POST", "/drive/{drive}/trash/empty", ContentDelete, pages::drive::empty_trash)
        .route("GET", "/drive/{drive}/versions", ContentList, pages::drive::versions)
        .route("POST", "/drive/{drive}/versions/restore", ContentWrite, pages::drive::restore_version)
        .route("GET", "/drive/{drive}/share", ContentShare, pages::drive::share_page)
        .route("POST", "/drive/{drive}/share", ContentShare, pages::drive::share)
        .route("POST", "/drive/{drive}/share/revoke", ContentShare, pages::drive::revoke)
        // Lockbox, settings and directory.
        .route("GET", "/lockbox", LockboxView, pages::lockbox::lockbox)
        .route("POST", "/lockbox/request", LockboxFile, pages::lockbox::file)
        .route("POST", "/lockbox/{id}/approve", LockboxApprove, pages::lockbox::approve)
        .route("POST", "/lockbox/{id}/deny", LockboxDeny, pages::lockbox::deny)
        .route("POST", "/lockbox/{id}/revoke", LockboxRevoke, pages::lockbox::revoke)
        .route("GET", "/settings", AppPasswordList, pages::settings::settings)
        .route("POST", "/settings/app-passwords", AppPasswordCreate, pages::settings::create_app_password)
        .route("POST", "/settings/app-passwords/{id}/revoke", AppPasswordRevoke, pages::settings::revoke_app_password)
        .route("POST", "/settings/totp", TotpEnrol, pages::settings::totp_enrol)
        .route("POST", "/settings/totp/confirm", TotpConfirm, pages::settings::totp_confirm)
        .route("GET", "/settings/export", DataExport, pages::admin_principal::export_me)
        .route("GET", "/directory", DirectorySearch, pages::directory::directory)
        // Tenant administration, operator console, audit (admin area).
        .route("GET", "/admin", TenantView, pages::admin::index)
        .route("POST", "/admin/principals", PrincipalCreate, pages::admin::create_principal)
        .route("POST", "/admin/groups", GroupManage, pages::admin::create_group)
        .route("POST", "/admin/org-units", OrgUnitManage, pages::admin::create_org_unit)
        .route("POST", "/admin/segments", SegmentManage, pages::admin::create_segment)
        .route("POST", "/admin/segments/delete", SegmentManage, pages::admin::delete_segment)
        .route("POST", "/admin/barriers", BarrierManage, pages::admin::create_barrier)
        .route("POST", "/admin/barriers/delete", BarrierManage, pages::admin::delete_barrier)
        .route("POST", "/admin/import", DirectoryImport, pages::admin::import)
        .route("POST", "/admin/lockbox", LockboxSettingsManage, pages::admin::lockbox_settings)
        .route("POST", "/admin/holds", LegalHoldManage, pages::admin::create_hold)
        .route("POST", "/admin/holds/release", LegalHoldManage, pages::admin::release_hold)
        .route("POST", "/admin/keys/unlock", KeyManage, pages::admin::unlock_key)
        .route("GET", "/admin/policy", ClassificationManage, pages::admin_policy::index)
        .route("POST", "/admin/policy/level", ClassificationManage, pages::admin_policy::save_level)
        .route("POST", "/admin/policy/preset", ClassificationManage, pages::admin_policy::apply_preset)
        .route("POST", "/admin/policy/retention", ClassificationManage, pages::admin_policy::save_retention)
        .route("POST", "/admin/policy/keys/rotate", KeyManage, pages::admin_policy::rotate)
        .route("POST", "/admin/policy/keys/provider", KeyManage, pages::admin_policy::set_provider)
        // One principal: details, edit, disable, password, GDPR export and erasure, delete.
        .route("GET", "/admin/principals/{id}", PrincipalList, pages::admin_principal::show)
        .route("POST", "/admin/principals/{id}/edit", PrincipalUpdate, pages::admin_principal::edit)
        .route("POST", "/admin/principals/{id}/disable", PrincipalUpdate, pages::admin_principal::disable)
        .route("POST", "/admin/principals/{id}/enable", PrincipalUpdate, pages::admin_principal::enable)
        .route("POST", "/admin/principals/{id}/reset-password", PrincipalUpdate, pages::admin_principal::reset_password)
        .route("POST", "/admin/principals/{id}/delete", PrincipalDelete, pages::admin_principal::delete)
        .route("POST", "/admin/principals/{id}/erase", PrincipalErase, pages::admin_principal::erase)
        .route("GET", "/admin/principals/{id}/export", PrincipalExport, pages::admin_principal::export)
        .route("GET", "/operator", TenantList, pages::operator::index)
        .route("POST", "/operator/suspend", TenantUpdate, pages::operator::suspend)
        .route("POST", "/operator/quota", TenantUpdate, pages::operator::quota)
        .route("POST", "/operator/tenants", TenantCreate, pages::operator::create_tenant)
        .route("GET", "/operator/tenants/{tenant}", TenantList, pages::operator::tenant)
        .route(
            "POST",
            "/operator/tenants/{tenant}/bootstrap-admin",
            TenantBootstrapAdmin,
            pages::operator::bootstrap_admin,
        )
        .route("GET", "/operator/health", MetricsRead, pages::operator::health)
        .route("POST", "/operator/federation", FederationManage, pages::operator::propose_link)
        .route("POST", "/operator/federation/remove", FederationManage, pages::operator::remove_link)
        .route("GET", "/admin/federation", TenantView, pages::federation::index)
        .route("POST", "/admin/federation/{id}/consent", FederationConsent, pages::federation::consent)
        .route("GET", "/audit", AuditRead, pages::audit::index)
        // Team drives (tenant admins) and share links (anyone with the link).
        .route("GET", "/admin/drives", DriveManage, pages::admin_drives::index)
        .route("POST", "/admin/drives", DriveManage, pages::admin_drives::create)
        .route("POST", "/admin/drives/quota", DriveManage, pages::admin_drives::quota)
        .route("POST", "/admin/drives/members", DriveManage, pages::admin_drives::members)
        .route("GET", "/l/{token}", LinkRead, pages::links::show)
        .route("POST", "/l/{token}", LinkRead, pages::links::unlock)
        .route("GET", "/l/{token}/file", LinkRead, pages::links::download)
        .route(
            "POST",
            "/l/{token}/upload",
            LinkUpload,
            axum::handler::Handler::layer(pages::links::upload, axum::extract::DefaultBodyLimit::disable()),
        )
}

/// Wraps the whole served router (API, WebDAV and pages merged): a path that
/// is neither API nor WebDAV and matched no page gets the web UI's "not
/// found" page, in the reader's language, instead of the API's JSON.
pub fn with_page_fallback(router: Router) -> Router {
    router.layer(axum::middleware::from_fn(page_not_found))
}

async fn page_not_found(req: Request, next: Next) -> Response {
    let path = req.uri().path().to_string();
    let tr = extract::tr_of(req.headers());
    let res = next.run(req).await;
    let ours = !(path.starts_with("/api/") || path.starts_with("/dav/") || path == "/dav");
    let is_problem = res
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|ct| ct.starts_with("application/problem+json"));
    if ours && is_problem && res.status() == StatusCode::NOT_FOUND {
        let mut r = pages::error_page(tr, StatusCode::NOT_FOUND, tr.get("error-not-found"));
        let h = r.headers_mut();
        h.insert(header::CONTENT_SECURITY_POLICY, HeaderValue::from_static(CSP));
        h.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
        h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
        return r;
    }
    res
}

/// Every page route as (method, path template, declared action), for the
/// fuzz target and tests that walk them.
pub fn page_routes() -> Vec<(&'static str, &'static str, Action)> {
    pages().table
}

/// The web UI's router, to merge with the API's and WebDAV's.
pub fn router(app: Arc<App>, opts: WebOptions) -> Router {
    let state = AppState {
        app,
        metrics: Arc::new(suveren_api::metrics::Metrics::new()),
        openapi: Arc::new(serde_json::Value::Null),
        cookie_secure: opts.cookie_secure,
        trusted_proxies: Arc::new(opts.trusted_proxies),
    };
    pages()
        .router
        .layer(axum::middleware::from_fn(same_origin))
        .merge(assets::router())
        .layer(axum::middleware::from_fn(headers))
        .with_state(state)
}
