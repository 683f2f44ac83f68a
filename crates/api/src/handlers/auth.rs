//! Sign-in, sign-out, TOTP enrolment, app passwords, OpenID Connect.

use axum::extract::{Path, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::Json;
use serde::{Deserialize, Serialize};
use serde_json::json;
use suveren_service::auth::{LoginRequest, NewSession};

use crate::error::ApiResult;
use crate::extract::{Body, Caller, Query, COOKIE, COOKIE_SECURE};
use crate::AppState;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LoginBody {
    login: String,
    password: String,
    #[serde(default)]
    totp: Option<String>,
    #[serde(default)]
    recovery_code: Option<String>,
}

#[derive(Serialize)]
struct SessionView {
    login: String,
    name: String,
    tenant: String,
    kind: suveren_domain::PrincipalKind,
    roles: Vec<suveren_domain::Role>,
    mfa: bool,
}

fn view(p: &suveren_domain::Principal, mfa: bool) -> SessionView {
    SessionView {
        login: p.login.clone(),
        name: p.name.clone(),
        tenant: p.tenant.clone(),
        kind: p.kind,
        roles: p.roles.clone(),
        mfa,
    }
}

fn cookie(state: &AppState, value: &str, max_age: i64) -> HeaderValue {
    let (name, secure) = if state.cookie_secure { (COOKIE_SECURE, "; Secure") } else { (COOKIE, "") };
    let v = format!("{name}={value}; Path=/; HttpOnly; SameSite=Lax; Max-Age={max_age}{secure}");
    HeaderValue::from_str(&v).unwrap_or(HeaderValue::from_static(""))
}

fn with_session(state: &AppState, s: &NewSession, body: serde_json::Value) -> Response {
    let max_age = state.app.settings.session_absolute.as_secs() as i64;
    let mut res = Json(body).into_response();
    res.headers_mut().insert(header::SET_COOKIE, cookie(state, &s.token, max_age));
    res.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    res
}

/// `POST /api/v1/auth/login`: password, plus `totp` or `recovery_code`
/// where a second factor is enrolled. Sets the session cookie.
pub async fn login(State(s): State<AppState>, Caller(ctx): Caller, Body(b): Body<LoginBody>) -> ApiResult<Response> {
    if b.login.len() > 320 || b.password.len() > 1024 {
        return Err(crate::error::ApiError::bad_request("Login or password is too long."));
    }
    let req = LoginRequest { login: b.login, password: b.password, totp: b.totp, recovery_code: b.recovery_code };
    let ns = s.app.login(&ctx, &req, ctx.session.as_deref()).await?;
    let body = json!({"session": view(&ns.principal, ns.mfa), "expires": ns.expires});
    Ok(with_session(&s, &ns, body))
}

/// `GET /api/v1/auth/session`: who am I.
pub async fn session(Caller(ctx): Caller) -> ApiResult<Json<serde_json::Value>> {
    let p = ctx.actor.principal.as_ref().ok_or_else(|| crate::error::ApiError::unauthenticated("Sign in first."))?;
    Ok(Json(json!({"session": view(p, ctx.actor.mfa)})))
}

/// `POST /api/v1/auth/logout`.
pub async fn logout(State(s): State<AppState>, Caller(ctx): Caller) -> ApiResult<Response> {
    s.app.logout(&ctx).await?;
    let mut res = StatusCode::NO_CONTENT.into_response();
    res.headers_mut().insert(header::SET_COOKIE, cookie(&s, "", 0));
    Ok(res)
}

/// `POST /api/v1/auth/logout-everywhere`: ends all of the caller's sessions.
pub async fn logout_everywhere(State(s): State<AppState>, Caller(ctx): Caller) -> ApiResult<Response> {
    s.app.logout_everywhere(&ctx).await?;
    let mut res = StatusCode::NO_CONTENT.into_response();
    res.headers_mut().insert(header::SET_COOKIE, cookie(&s, "", 0));
    Ok(res)
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LabelBody {
    label: String,
}

/// `POST /api/v1/me/app-passwords`: the password is shown once.
pub async fn create_app_password(
    State(s): State<AppState>,
    Caller(ctx): Caller,
    Body(b): Body<LabelBody>,
) -> ApiResult<(StatusCode, Json<serde_json::Value>)> {
    let (info, pw) = s.app.create_app_password(&ctx, &b.label).await?;
    Ok((StatusCode::CREATED, Json(json!({"password": pw, "app_password": info}))))
}

/// `GET /api/v1/me/app-passwords`.
pub async fn list_app_passwords(State(s): State<AppState>, Caller(ctx): Caller) -> ApiResult<Json<serde_json::Value>> {
    Ok(Json(json!({"app_passwords": s.app.list_app_passwords(&ctx).await?})))
}

/// `DELETE /api/v1/me/app-passwords/{id}`.
pub async fn revoke_app_password(
    State(s): State<AppState>,
    Caller(ctx): Caller,
    Path(id): Path<String>,
) -> ApiResult<StatusCode> {
    s.app.revoke_app_password(&ctx, &id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// `POST /api/v1/me/totp`: starts enrolment; answers the secret and an
/// `otpauth://` URI for the QR code.
pub async fn totp_enrol(State(s): State<AppState>, Caller(ctx): Caller) -> ApiResult<Json<serde_json::Value>> {
    let (secret, uri) = s.app.totp_enrol(&ctx).await?;
    Ok(Json(json!({"secret": secret, "otpauth_uri": uri})))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PasswordBody {
    current: String,
    new: String,
}

/// `POST /api/v1/me/password`: change one's own password; other sessions end
/// and this one is rotated.
pub async fn change_password(
    State(s): State<AppState>,
    Caller(ctx): Caller,
    Body(b): Body<PasswordBody>,
) -> ApiResult<Response> {
    if b.current.len() > 1024 || b.new.len() > 1024 {
        return Err(crate::error::ApiError::bad_request("The password is too long."));
    }
    let ns = s.app.change_password(&ctx, &b.current, &b.new).await?;
    Ok(with_session(&s, &ns, json!({"session": view(&ns.principal, ns.mfa)})))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CodeBody {
    code: String,
}

/// `POST /api/v1/me/totp/confirm`: finishes enrolment, rotates the session
/// and shows the recovery codes once.
pub async fn totp_confirm(
    State(s): State<AppState>,
    Caller(ctx): Caller,
    Body(b): Body<CodeBody>,
) -> ApiResult<Response> {
    let (ns, codes) = s.app.totp_confirm(&ctx, &b.code).await?;
    Ok(with_session(&s, &ns, json!({"recovery_codes": codes, "session": view(&ns.principal, true)})))
}

/// `GET /api/v1/auth/oidc/{tenant}/start`: redirects to the municipality's
/// identity provider.
pub async fn oidc_start(
    State(s): State<AppState>,
    Caller(_ctx): Caller,
    Path(tenant): Path<String>,
) -> ApiResult<Redirect> {
    Ok(Redirect::to(&s.app.oidc_start(&tenant).await?))
}

#[derive(Deserialize)]
pub struct CallbackQuery {
    code: Option<String>,
    state: Option<String>,
    error: Option<String>,
    error_description: Option<String>,
}

/// `GET /api/v1/auth/oidc/callback`: the provider sends the browser back
/// here; on success the session cookie is set and the browser goes to `/`.
pub async fn oidc_callback(
    State(s): State<AppState>,
    Caller(ctx): Caller,
    headers: HeaderMap,
    Query(q): Query<CallbackQuery>,
) -> ApiResult<Response> {
    if let Some(e) = q.error {
        return Err(crate::error::ApiError::unauthenticated(format!(
            "The identity provider refused the sign-in: {e} {}",
            q.error_description.unwrap_or_default()
        )));
    }
    let (Some(code), Some(state)) = (q.code, q.state) else {
        return Err(crate::error::ApiError::bad_request("The callback needs `code` and `state`."));
    };
    let ns = s.app.oidc_callback(&ctx, &code, &state).await?;
    let wants_json =
        headers.get(header::ACCEPT).and_then(|v| v.to_str().ok()).is_some_and(|a| a.contains("application/json"));
    if wants_json {
        return Ok(with_session(&s, &ns, json!({"session": view(&ns.principal, ns.mfa)})));
    }
    let mut res = Redirect::to("/").into_response();
    let max_age = s.app.settings.session_absolute.as_secs() as i64;
    res.headers_mut().insert(header::SET_COOKIE, cookie(&s, &ns.token, max_age));
    Ok(res)
}
