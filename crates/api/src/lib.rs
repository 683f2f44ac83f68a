//! The HTTP API of Suveren: JSON under `/api/v1`, health and metrics.
//!
//! Only this crate knows about HTTP. It resolves the caller, hands the
//! route's declared action and the request to a service in
//! `suveren-service`, and maps the result to JSON or problem+json. Every
//! request runs inside a panic guard, with a request id in its log span.

pub mod error;
pub mod extract;
mod handlers;
pub mod metrics;
pub mod routes;

use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

use axum::extract::DefaultBodyLimit;
use axum::http::{header, HeaderName, HeaderValue, Request, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Router;
use suveren_policy::Action;
use suveren_service::App;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::trace::TraceLayer;

use crate::error::ApiError;
use crate::routes::{Api, RouteSpec};

#[derive(Clone)]
pub struct AppState {
    pub app: Arc<App>,
    pub metrics: Arc<metrics::Metrics>,
    pub openapi: Arc<serde_json::Value>,
    /// Whether cookies carry `Secure` (and the `__Host-` prefix).
    pub cookie_secure: bool,
    pub trusted_proxies: Arc<Vec<IpAddr>>,
}

/// Options of the HTTP edge.
#[derive(Debug, Clone, Default)]
pub struct HttpOptions {
    pub cookie_secure: bool,
    pub trusted_proxies: Vec<IpAddr>,
}

const JSON_LIMIT: usize = 1 << 20;
const IMPORT_LIMIT: usize = 16 << 20;

/// The route table: every route with its action.
pub fn api() -> Api {
    use handlers::*;
    use Action::*;
    Api::new()
        .route("GET", "/healthz", HealthRead, "Liveness", system::healthz)
        .route("GET", "/readyz", HealthRead, "Readiness: the database answers", system::readyz)
        .route("GET", "/metrics", HealthRead, "Prometheus metrics", system::metrics)
        .route(
            "GET",
            "/api/v1/health",
            MetricsRead,
            "Installation health: database, blob folder, background jobs, key providers (operator)",
            system::health,
        )
        .route("GET", "/api/v1/openapi.json", ApiDescribe, "This document", system::openapi)
        .route("POST", "/api/v1/auth/login", SignIn, "Sign in with password and second factor", auth::login)
        .route(
            "GET",
            "/api/v1/auth/oidc/{tenant}/start",
            SignIn,
            "Sign in with the municipality's identity provider",
            auth::oidc_start,
        )
        .route("GET", "/api/v1/auth/oidc/callback", SignIn, "Return from the identity provider", auth::oidc_callback)
        .route("GET", "/api/v1/auth/session", SessionRead, "The signed-in account", auth::session)
        .route("POST", "/api/v1/auth/logout", SignOut, "Sign out", auth::logout)
        .route(
            "POST",
            "/api/v1/auth/logout-everywhere",
            SignOutEverywhere,
            "End every session of the account",
            auth::logout_everywhere,
        )
        .route("GET", "/api/v1/me/app-passwords", AppPasswordList, "List app passwords", auth::list_app_passwords)
        .route(
            "POST",
            "/api/v1/me/app-passwords",
            AppPasswordCreate,
            "Create an app password (shown once)",
            auth::create_app_password,
        )
        .route(
            "DELETE",
            "/api/v1/me/app-passwords/{id}",
            AppPasswordRevoke,
            "Revoke an app password",
            auth::revoke_app_password,
        )
        .route("POST", "/api/v1/me/password", PasswordChange, "Change one's own password", auth::change_password)
        .route("POST", "/api/v1/me/totp", TotpEnrol, "Start TOTP enrolment", auth::totp_enrol)
        .route(
            "POST",
            "/api/v1/me/totp/confirm",
            TotpConfirm,
            "Confirm TOTP enrolment; returns recovery codes",
            auth::totp_confirm,
        )
        .route("GET", "/api/v1/me/export", DataExport, "Everything about the caller as a ZIP (GDPR)", export::me)
        .route(
            "GET",
            "/api/v1/directory/search",
            DirectorySearch,
            "Search people the caller may discover",
            directory::search,
        )
        .route(
            "GET",
            "/api/v1/directory/people/{login}",
            PrincipalView,
            "One person, if discoverable",
            directory::person,
        )
        .route("GET", "/api/v1/tenants", TenantList, "Tenants with counts (operator)", admin::list_tenants)
        .route("POST", "/api/v1/tenants", TenantCreate, "Create a tenant (operator)", admin::create_tenant)
        .route("GET", "/api/v1/tenants/{tenant}", TenantView, "The tenant (its admins)", admin::tenant_view)
        .route(
            "PATCH",
            "/api/v1/tenants/{tenant}",
            TenantUpdate,
            "Suspend a tenant or set its quota (operator)",
            admin::update_tenant,
        )
        .route(
            "DELETE",
            "/api/v1/tenants/{tenant}",
            TenantDelete,
            "Delete a suspended tenant and destroy its key (operator)",
            keys::delete_tenant,
        )
        .route(
            "GET",
            "/api/v1/tenants/{tenant}/keys",
            KeyManage,
            "The tenant's key: provider, lock, rotation",
            keys::status,
        )
        .route("POST", "/api/v1/tenants/{tenant}/keys/unlock", KeyManage, "Unlock a passphrase-held key", keys::unlock)
        .route("POST", "/api/v1/tenants/{tenant}/keys/lock", KeyManage, "Lock a passphrase-held key", keys::lock)
        .route(
            "PUT",
            "/api/v1/tenants/{tenant}/keys/provider",
            KeyManage,
            "Move the key to another provider",
            keys::set_provider,
        )
        .route("POST", "/api/v1/tenants/{tenant}/keys/rotate", KeyManage, "Start an online key rotation", keys::rotate)
        .route(
            "POST",
            "/api/v1/tenants/{tenant}/bootstrap-admin",
            TenantBootstrapAdmin,
            "Create the tenant's first administrator (operator)",
            admin::bootstrap_admin,
        )
        .route("GET", "/api/v1/tenants/{tenant}/principals", PrincipalList, "List principals", admin::list_principals)
        .route(
            "POST",
            "/api/v1/tenants/{tenant}/principals",
            PrincipalCreate,
            "Create a principal",
            admin::create_principal,
        )
        .route(
            "PATCH",
            "/api/v1/tenants/{tenant}/principals/{login}",
            PrincipalUpdate,
            "Change a principal",
            admin::update_principal,
        )
        .route(
            "DELETE",
            "/api/v1/tenants/{tenant}/principals/{login}",
            PrincipalDelete,
            "Delete a principal",
            admin::delete_principal,
        )
        .route(
            "POST",
            "/api/v1/tenants/{tenant}/principals/{login}/erase",
            PrincipalErase,
            "Erase a principal (GDPR Art. 17; ?dry_run=true): keeps what holds and retention require, says why",
            retention::erase_principal,
        )
        .route(
            "GET",
            "/api/v1/tenants/{tenant}/legal-holds",
            LegalHoldManage,
            "Legal holds of the tenant",
            retention::list_holds,
        )
        .route(
            "POST",
            "/api/v1/tenants/{tenant}/legal-holds",
            LegalHoldManage,
            "Place a legal hold on a principal, a drive or a folder",
            retention::create_hold,
        )
        .route(
            "POST",
            "/api/v1/tenants/{tenant}/legal-holds/{id}/release",
            LegalHoldManage,
            "Release a legal hold",
            retention::release_hold,
        )
        .route(
            "GET",
            "/api/v1/tenants/{tenant}/principals/{login}/export",
            PrincipalExport,
            "Everything about a principal as a ZIP (GDPR); contents only under a lockbox grant",
            export::principal,
        )
        .route("GET", "/api/v1/tenants/{tenant}/org-units", OrgUnitManage, "List org units", admin::list_org_units)
        .route(
            "POST",
            "/api/v1/tenants/{tenant}/org-units",
            OrgUnitManage,
            "Create an org unit path",
            admin::create_org_unit,
        )
        .route(
            "DELETE",
            "/api/v1/tenants/{tenant}/org-units",
            OrgUnitManage,
            "Delete an empty org unit (?path=)",
            admin::delete_org_unit,
        )
        .route("GET", "/api/v1/tenants/{tenant}/groups", GroupManage, "List groups", admin::list_groups)
        .route("POST", "/api/v1/tenants/{tenant}/groups", GroupManage, "Create a group", admin::create_group)
        .route(
            "DELETE",
            "/api/v1/tenants/{tenant}/groups/{name}",
            GroupManage,
            "Delete an unused group",
            admin::delete_group,
        )
        .route("GET", "/api/v1/tenants/{tenant}/segments", SegmentManage, "List segments", admin::list_segments)
        .route("POST", "/api/v1/tenants/{tenant}/segments", SegmentManage, "Create a segment", admin::create_segment)
        .route(
            "DELETE",
            "/api/v1/tenants/{tenant}/segments/{name}",
            SegmentManage,
            "Delete an unused segment",
            admin::delete_segment,
        )
        .route("GET", "/api/v1/tenants/{tenant}/barriers", BarrierManage, "List barrier rules", admin::list_barriers)
        .route(
            "POST",
            "/api/v1/tenants/{tenant}/barriers",
            BarrierManage,
            "Create a barrier rule",
            admin::create_barrier,
        )
        .route(
            "DELETE",
            "/api/v1/tenants/{tenant}/barriers/{id}",
            BarrierManage,
            "Delete a barrier rule",
            admin::delete_barrier,
        )
        .route(
            "GET",
            "/api/v1/tenants/{tenant}/classification",
            ClassificationManage,
            "The classification scheme",
            admin::get_scheme,
        )
        .route(
            "PUT",
            "/api/v1/tenants/{tenant}/classification",
            ClassificationManage,
            "Replace the classification scheme",
            admin::set_scheme,
        )
        .route(
            "GET",
            "/api/v1/tenants/{tenant}/federation",
            TenantView,
            "Federation links of the tenant",
            admin::tenant_links,
        )
        .route(
            "POST",
            "/api/v1/tenants/{tenant}/federation/{id}/consent",
            FederationConsent,
            "Consent to or withdraw from a link",
            admin::consent_link,
        )
        .route_limited(
            "POST",
            "/api/v1/tenants/{tenant}/import",
            DirectoryImport,
            "CSV import of staff and pupils",
            IMPORT_LIMIT,
            admin::import,
        )
        .body("text/csv")
        .route("GET", "/api/v1/tenants/{tenant}/audit", AuditRead, "Browse the audit log", audit::records)
        .route(
            "GET",
            "/api/v1/tenants/{tenant}/audit/export",
            AuditExport,
            "Export the audit log as JSON lines",
            audit::export,
        )
        .route("GET", "/api/v1/federation", FederationManage, "All federation links (operator)", admin::list_links)
        .route(
            "POST",
            "/api/v1/federation",
            FederationManage,
            "Propose a federation link (operator)",
            admin::create_link,
        )
        .route(
            "DELETE",
            "/api/v1/federation/{id}",
            FederationManage,
            "Remove a federation link (operator)",
            admin::delete_link,
        )
        // The lockbox (rule 4).
        .route("POST", "/api/v1/lockbox/requests", LockboxFile, "File a lockbox request", lockbox::file)
        .route("GET", "/api/v1/lockbox/requests", LockboxView, "Lockbox requests the caller may see", lockbox::list)
        .route("GET", "/api/v1/lockbox/requests/{id}", LockboxView, "One lockbox request", lockbox::show)
        .route(
            "POST",
            "/api/v1/lockbox/requests/{id}/approve",
            LockboxApprove,
            "Approve after the secrecy review",
            lockbox::decide,
        )
        .route("POST", "/api/v1/lockbox/requests/{id}/deny", LockboxDeny, "Deny with the review note", lockbox::decide)
        .route(
            "POST",
            "/api/v1/lockbox/requests/{id}/revoke",
            LockboxRevoke,
            "End a grant at once, or withdraw a request",
            lockbox::revoke,
        )
        .route(
            "GET",
            "/api/v1/tenants/{tenant}/lockbox-settings",
            LockboxSettingsManage,
            "Approvers, N, maximum duration, notification",
            lockbox::settings,
        )
        .route(
            "PUT",
            "/api/v1/tenants/{tenant}/lockbox-settings",
            LockboxSettingsManage,
            "Set approvers, N, maximum duration, notification",
            lockbox::set_settings,
        )
        .route(
            "GET",
            "/api/v1/me/notices",
            NoticeList,
            "Lockbox grants that touched the caller's content",
            lockbox::notices,
        )
        // The drive.
        .route("GET", "/api/v1/drives", ContentList, "The caller's drives", drive::my_drives)
        .route("POST", "/api/v1/tenants/{tenant}/drives", DriveManage, "Create a team drive", drive::create_drive)
        .route(
            "PATCH",
            "/api/v1/tenants/{tenant}/drives/{drive}",
            DriveManage,
            "Change a team drive's name, level, members or quota",
            drive::update_drive,
        )
        .route("GET", "/api/v1/drives/{drive}/items", ContentList, "A folder and its children", drive::items)
        .route("DELETE", "/api/v1/drives/{drive}/items", ContentDelete, "Move an item to the trash", drive::delete)
        .route("GET", "/api/v1/drives/{drive}/content", ContentRead, "Download a file (Range)", drive::download)
        .route_streaming(
            "PUT",
            "/api/v1/drives/{drive}/content",
            ContentWrite,
            "Upload a file (streamed; If-Match, If-None-Match)",
            "application/octet-stream",
            drive::upload,
        )
        .route("POST", "/api/v1/drives/{drive}/folders", ContentWrite, "Create a folder", drive::mkdir)
        .route("POST", "/api/v1/drives/{drive}/move", ContentWrite, "Move or rename", drive::move_item)
        .route("POST", "/api/v1/drives/{drive}/copy", ContentWrite, "Copy", drive::copy_item)
        .route("PUT", "/api/v1/drives/{drive}/level", ContentWrite, "Classify an item", drive::set_level)
        .route("GET", "/api/v1/drives/{drive}/trash", ContentList, "The drive's trash", drive::trash)
        .route(
            "POST",
            "/api/v1/drives/{drive}/trash/{id}/restore",
            ContentWrite,
            "Restore from the trash",
            drive::restore,
        )
        .route("DELETE", "/api/v1/drives/{drive}/trash/{id}", ContentDelete, "Delete for good", drive::purge)
        .route("GET", "/api/v1/drives/{drive}/versions", ContentList, "Earlier versions of a file", drive::versions)
        .route(
            "POST",
            "/api/v1/drives/{drive}/versions/{id}/restore",
            ContentWrite,
            "Make an earlier version current",
            drive::restore_version,
        )
        .route("GET", "/api/v1/drives/{drive}/changes", ContentList, "Changes since a token", drive::changes)
        .route("OPTIONS", "/api/v1/uploads", ApiDescribe, "Resumable uploads: what is supported (tus)", tus::options)
        .route("POST", "/api/v1/uploads", ContentWrite, "Start a resumable upload (tus)", tus::create)
        .route("GET", "/api/v1/uploads/{id}", ContentWrite, "Offset of a resumable upload (tus HEAD)", tus::head)
        .route_streaming(
            "PATCH",
            "/api/v1/uploads/{id}",
            ContentWrite,
            "Append to a resumable upload (tus)",
            "application/offset+octet-stream",
            tus::patch,
        )
        .route("DELETE", "/api/v1/uploads/{id}", ContentWrite, "Abandon a resumable upload (tus)", tus::delete)
        .route("GET", "/api/v1/search/files", ContentList, "Search file names the caller may read", drive::search)
        .route("GET", "/api/v1/drives/{drive}/shares", ContentShare, "Shares of a drive", drive::drive_shares)
        .route("POST", "/api/v1/drives/{drive}/shares", ContentShare, "Share an item", drive::create_share)
        .route("GET", "/api/v1/me/shares", ContentList, "What the caller shared", drive::my_shares)
        .route("GET", "/api/v1/me/shared-with-me", ContentList, "Shared with the caller", drive::shared_with_me)
        .route("DELETE", "/api/v1/shares/{id}", ContentShare, "Revoke a share", drive::revoke_share)
        .route("GET", "/api/v1/links/{token}", LinkRead, "What a share link shows", drive::link)
        .route("GET", "/api/v1/links/{token}/content", LinkRead, "Download through a link", drive::link_download)
        .route_streaming(
            "PUT",
            "/api/v1/links/{token}/files/{name}",
            LinkUpload,
            "Upload through an upload link",
            "application/octet-stream",
            drive::link_upload,
        )
}

fn panic_answer(_: Box<dyn std::any::Any + Send + 'static>) -> Response {
    tracing::error!("request handler panicked");
    ApiError::internal().into_response()
}

/// Turns axum's own plain-text rejections (unknown route, wrong method,
/// malformed path) into problem+json, so every error has one shape.
async fn problems_only(req: axum::extract::Request, next: axum::middleware::Next) -> Response {
    let res = next.run(req).await;
    let status = res.status();
    if !(status.is_client_error() || status.is_server_error()) {
        return res;
    }
    let ct = res.headers().get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or("");
    if ct.starts_with("application/problem+json") || ct.starts_with("text/plain; charset=utf-8; x-suveren") {
        return res;
    }
    if status == StatusCode::SERVICE_UNAVAILABLE && ct.starts_with("text/plain") {
        return res; // readyz
    }
    let mut e = match status {
        StatusCode::NOT_FOUND => ApiError::not_found(),
        StatusCode::METHOD_NOT_ALLOWED => ApiError::new(
            status,
            "/problems/method-not-allowed",
            "Method not allowed",
            "This path does not accept that method.",
        ),
        StatusCode::PAYLOAD_TOO_LARGE => ApiError::new(
            status,
            "/problems/too-large",
            "Body too large",
            "The body is larger than this endpoint accepts.",
        ),
        s if s.is_server_error() => ApiError::internal(),
        _ => ApiError::bad_request("The request is malformed."),
    };
    e.status = status;
    e.problem.status = status.as_u16();
    let mut out = e.into_response();
    for h in [header::ALLOW, header::SET_COOKIE] {
        if let Some(v) = res.headers().get(&h) {
            out.headers_mut().insert(h, v.clone());
        }
    }
    out
}

pub fn router(app: Arc<App>, opts: HttpOptions) -> Router {
    let (routes, specs) = api().into_parts();
    router_from(app, opts, routes, &specs)
}

fn router_from(app: Arc<App>, opts: HttpOptions, routes: Router<AppState>, specs: &[RouteSpec]) -> Router {
    let state = AppState {
        app,
        metrics: Arc::new(metrics::Metrics::new()),
        openapi: Arc::new(routes::openapi(specs)),
        cookie_secure: opts.cookie_secure,
        trusted_proxies: Arc::new(opts.trusted_proxies),
    };
    let request_id = HeaderName::from_static("x-request-id");
    routes
        // An explicit fallback: merged with another router (WebDAV), an
        // unknown API path still answers problem+json.
        .fallback(|| async { ApiError::not_found() })
        .layer(axum::middleware::from_fn(problems_only))
        .layer(axum::middleware::from_fn_with_state(state.clone(), metrics::track))
        .layer(DefaultBodyLimit::max(JSON_LIMIT))
        .layer(CatchPanicLayer::custom(panic_answer))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        ))
        .layer(SetResponseHeaderLayer::if_not_present(header::CACHE_CONTROL, HeaderValue::from_static("no-store")))
        .layer(SetResponseHeaderLayer::if_not_present(header::REFERRER_POLICY, HeaderValue::from_static("no-referrer")))
        .layer(SetResponseHeaderLayer::if_not_present(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY")))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static("default-src 'none'; frame-ancestors 'none'"),
        ))
        .layer(TraceLayer::new_for_http().make_span_with(|req: &Request<_>| {
            let id = req.headers().get("x-request-id").and_then(|v| v.to_str().ok()).unwrap_or("-");
            tracing::info_span!("request", request_id = %id, method = %req.method(), path = %req.uri().path())
        }))
        .layer(PropagateRequestIdLayer::new(request_id.clone()))
        .layer(SetRequestIdLayer::new(request_id, MakeRequestUuid))
        .with_state(state)
}

/// Serves until `shutdown` resolves, then drains in-flight requests.
pub async fn serve(
    listener: tokio::net::TcpListener,
    router: Router,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    use axum::serve::ListenerExt;
    // Streamed answers (WebDAV multistatus, downloads) go out in several
    // writes; without TCP_NODELAY, Nagle and delayed ACKs add 40 ms to each.
    let listener = listener.tap_io(|tcp| {
        if let Err(e) = tcp.set_nodelay(true) {
            tracing::debug!(error = %e, "TCP_NODELAY");
        }
    });
    axum::serve(listener, router.into_make_service_with_connect_info::<SocketAddr>())
        .with_graceful_shutdown(shutdown)
        .await
}

/// How long a request may take before it is cut off.
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(120);

#[cfg(test)]
mod tests {
    use super::*;

    /// `GET /boom`: a handler that panics, to prove the guard.
    async fn boom(_c: extract::Caller) -> &'static str {
        panic!("handler bug")
    }

    #[tokio::test]
    async fn a_panicking_handler_becomes_a_500_problem_and_the_server_lives_on() {
        let dir = tempfile::tempdir().unwrap();
        let app = App::open_embedded(dir.path(), Default::default()).await.unwrap();
        let (routes, specs) = api().route("GET", "/boom", Action::HealthRead, "panics", boom).into_parts();
        let router = router_from(app, HttpOptions::default(), routes, &specs);
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(serve(listener, router, std::future::pending()));
        let c = reqwest::Client::new();
        let r = c.get(format!("http://{addr}/boom")).send().await.unwrap();
        assert_eq!(r.status(), 500);
        assert_eq!(r.headers()["content-type"], "application/problem+json");
        assert!(r.headers().contains_key("x-request-id"), "the answer names the log line");
        let body: serde_json::Value = r.json().await.unwrap();
        assert!(body["detail"].as_str().unwrap().contains("x-request-id"));
        let ok = c.get(format!("http://{addr}/healthz")).send().await.unwrap();
        assert_eq!(ok.status(), 200);
    }
}
