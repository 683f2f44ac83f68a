//! Extractors: the caller ([`Caller`]), JSON bodies and query strings whose
//! rejections become problem+json answers instead of axum's plain text.

use std::net::{IpAddr, SocketAddr};

use axum::extract::{ConnectInfo, FromRequest, FromRequestParts, Request};
use axum::http::header;
use axum::http::request::Parts;
use base64::Engine;
use serde::de::DeserializeOwned;
use suveren_audit::Outcome;
use suveren_policy::{Action, Actor};
use suveren_service::Ctx;

use crate::error::ApiError;
use crate::routes::Declared;
use crate::AppState;

pub const COOKIE: &str = "suveren_session";
pub const COOKIE_SECURE: &str = "__Host-suveren_session";

/// The request's context: who calls, from where, under the route's declared
/// action. Every handler takes one; it is the only way to reach a service.
pub struct Caller(pub Ctx);

fn session_token(parts: &Parts) -> Option<String> {
    for v in parts.headers.get_all(header::COOKIE) {
        let Ok(s) = v.to_str() else { continue };
        for kv in s.split(';') {
            if let Some((k, val)) = kv.trim().split_once('=') {
                if k == COOKIE || k == COOKIE_SECURE {
                    return Some(val.to_string());
                }
            }
        }
    }
    None
}

fn basic(parts: &Parts) -> Option<(String, String)> {
    let v = parts.headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let b64 = v.strip_prefix("Basic ").or_else(|| v.strip_prefix("basic "))?;
    let raw = base64::engine::general_purpose::STANDARD.decode(b64.trim()).ok()?;
    let s = String::from_utf8(raw).ok()?;
    let (l, p) = s.split_once(':')?;
    Some((l.to_string(), p.to_string()))
}

pub fn client_ip(parts: &Parts, state: &AppState) -> Option<IpAddr> {
    let peer = parts.extensions.get::<ConnectInfo<SocketAddr>>().map(|c| c.0.ip());
    // Behind a configured reverse proxy, the last address it appended.
    if let Some(p) = peer {
        if state.trusted_proxies.contains(&p) {
            if let Some(xff) = parts.headers.get("x-forwarded-for").and_then(|v| v.to_str().ok()) {
                if let Some(ip) = xff.rsplit(',').next().and_then(|s| s.trim().parse().ok()) {
                    return Some(ip);
                }
            }
        }
    }
    peer
}

pub fn request_id(parts: &Parts) -> String {
    parts.headers.get("x-request-id").and_then(|v| v.to_str().ok()).unwrap_or("-").to_string()
}

impl FromRequestParts<AppState> for Caller {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let Some(Declared(action)) = parts.extensions.get::<Declared>().copied() else {
            // Only routes registered through `routes::Api` carry an action.
            tracing::error!(path = %parts.uri.path(), "route without a declared action");
            return Err(ApiError::internal());
        };
        let client = client_ip(parts, state);
        let mut ctx =
            Ctx { actor: Actor::anonymous(), action, client, request_id: request_id(parts), session: None, note: None };
        if let Some(tok) = session_token(parts) {
            if let Some((actor, digest)) = state.app.session_actor(&tok).await? {
                ctx.actor = actor;
                ctx.session = Some(digest);
            }
        }
        if ctx.actor.principal.is_none() {
            if let Some((login, pw)) = basic(parts) {
                match state.app.app_password_actor(&login, &pw, client).await? {
                    Some(actor) => ctx.actor = actor,
                    None => {
                        let failed = Ctx { action: Action::SignIn, ..ctx.clone() };
                        let chain = state
                            .app
                            .snapshot()
                            .dir
                            .principal_by_login(&login.trim().to_lowercase())
                            .map(|p| p.tenant.clone())
                            .unwrap_or_else(|| suveren_domain::OPERATOR_REALM.into());
                        let d = state.app.draft(
                            &failed,
                            &chain,
                            format!("account:{}", login.trim().to_lowercase()),
                            Outcome::Deny,
                            Some("wrong app password".into()),
                        );
                        state.app.commit(suveren_store::Batch::new().audit(d)).await?;
                        return Err(ApiError::unauthenticated("Wrong login or app password."));
                    }
                }
            }
        }
        let anonymous_ok =
            matches!(action.class(), suveren_policy::ActionClass::Public | suveren_policy::ActionClass::Link(_));
        if ctx.actor.principal.is_none() && !anonymous_ok {
            return Err(ApiError::unauthenticated("Sign in first."));
        }
        Ok(Caller(ctx))
    }
}

/// A JSON body: `application/json` required, unknown fields refused by the
/// target type, every failure a problem+json answer.
pub struct Body<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for Body<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        use axum::extract::rejection::JsonRejection as J;
        match axum::Json::<T>::from_request(req, state).await {
            Ok(axum::Json(v)) => Ok(Body(v)),
            Err(J::MissingJsonContentType(_)) => Err(ApiError::new(
                axum::http::StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "/problems/unsupported-media-type",
                "Unsupported media type",
                "Send the body as application/json.",
            )),
            Err(J::JsonSyntaxError(e)) => {
                Err(ApiError::bad_request(format!("The body is not valid JSON: {}", e.body_text())))
            }
            Err(J::JsonDataError(e)) => Err(ApiError::new(
                axum::http::StatusCode::UNPROCESSABLE_ENTITY,
                "/problems/invalid",
                "Invalid input",
                e.body_text(),
            )),
            Err(J::BytesRejection(e)) => Err(too_large_or_bad(e.status(), e.body_text())),
            Err(e) => Err(ApiError::bad_request(e.body_text())),
        }
    }
}

fn too_large_or_bad(status: axum::http::StatusCode, text: String) -> ApiError {
    if status == axum::http::StatusCode::PAYLOAD_TOO_LARGE {
        ApiError::new(status, "/problems/too-large", "Body too large", "The body is larger than this endpoint accepts.")
    } else {
        ApiError::bad_request(text)
    }
}

/// A query string with problem+json rejections.
pub struct Query<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequestParts<S> for Query<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        let q = parts.uri.query().unwrap_or("");
        serde_urlencoded_compat(q).map(Query)
    }
}

fn serde_urlencoded_compat<T: DeserializeOwned>(q: &str) -> Result<T, ApiError> {
    axum::extract::Query::<T>::try_from_uri(
        &format!("/?{q}").parse().map_err(|_| ApiError::bad_request("Bad query string."))?,
    )
    .map(|axum::extract::Query(v)| v)
    .map_err(|e| ApiError::bad_request(format!("Bad query string: {}", e.body_text())))
}

/// A UTF-8 text body (CSV import), size-limited by the route.
pub struct Text(pub String);

impl<S: Send + Sync> FromRequest<S> for Text {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        // text/csv is not a CORS-safelisted type: a cross-site page cannot
        // send it without a preflight, which we never grant.
        let ct = req.headers().get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or("");
        if !ct.trim_start().to_ascii_lowercase().starts_with("text/csv") {
            return Err(ApiError::new(
                axum::http::StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "/problems/unsupported-media-type",
                "Unsupported media type",
                "Send the file as text/csv.",
            ));
        }
        let bytes = axum::body::Bytes::from_request(req, state)
            .await
            .map_err(|e| too_large_or_bad(e.status(), e.body_text()))?;
        String::from_utf8(bytes.to_vec()).map(Text).map_err(|e| {
            ApiError::bad_request(format!("The body is not valid UTF-8 (at byte {}).", e.utf8_error().valid_up_to()))
        })
    }
}
