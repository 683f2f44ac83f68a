//! The tenant's key (trust-model rule 6) for its administrators, and tenant
//! deletion (crypto-shredding) for operators.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Json;
use serde::Deserialize;
use serde_json::{json, Value};
use suveren_service::keys::ProviderKind;

use crate::error::ApiResult;
use crate::extract::{Body, Caller, Query};
use crate::AppState;

type J = ApiResult<Json<Value>>;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Unlock {
    passphrase: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SetProvider {
    provider: String,
    #[serde(default)]
    passphrase: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Confirm {
    #[serde(default)]
    confirm: String,
}

/// `GET /api/v1/tenants/{tenant}/keys`: provider, locked, rotation progress.
pub async fn status(State(s): State<AppState>, Caller(ctx): Caller, Path(t): Path<String>) -> J {
    Ok(Json(json!(s.app.key_status(&ctx, &t).await?)))
}

/// `POST /api/v1/tenants/{tenant}/keys/unlock` with `{"passphrase"}`.
pub async fn unlock(State(s): State<AppState>, Caller(ctx): Caller, Path(t): Path<String>, Body(b): Body<Unlock>) -> J {
    Ok(Json(json!(s.app.unlock_key(&ctx, &t, &b.passphrase).await?)))
}

/// `POST /api/v1/tenants/{tenant}/keys/lock`: forget a passphrase-held KEK.
pub async fn lock(State(s): State<AppState>, Caller(ctx): Caller, Path(t): Path<String>) -> J {
    Ok(Json(json!(s.app.lock_key(&ctx, &t).await?)))
}

/// `PUT /api/v1/tenants/{tenant}/keys/provider` with
/// `{"provider": "master-key-file" | "passphrase" | "pkcs11", "passphrase"?}`.
pub async fn set_provider(
    State(s): State<AppState>,
    Caller(ctx): Caller,
    Path(t): Path<String>,
    Body(b): Body<SetProvider>,
) -> J {
    let kind = ProviderKind::parse(&b.provider).ok_or_else(|| {
        suveren_service::ServiceError::invalid("The provider is one of master-key-file, passphrase or pkcs11.")
    })?;
    Ok(Json(json!(s.app.set_key_provider(&ctx, &t, kind, b.passphrase.as_deref()).await?)))
}

/// `POST /api/v1/tenants/{tenant}/keys/rotate`: start an online rotation.
pub async fn rotate(
    State(s): State<AppState>,
    Caller(ctx): Caller,
    Path(t): Path<String>,
) -> ApiResult<(StatusCode, Json<Value>)> {
    Ok((StatusCode::ACCEPTED, Json(json!(s.app.start_key_rotation(&ctx, &t).await?))))
}

/// `DELETE /api/v1/tenants/{tenant}?confirm={tenant}`: delete a suspended
/// tenant and destroy its key (operator).
pub async fn delete_tenant(
    State(s): State<AppState>,
    Caller(ctx): Caller,
    Path(t): Path<String>,
    Query(q): Query<Confirm>,
) -> ApiResult<StatusCode> {
    s.app.delete_tenant(&ctx, &t, &q.confirm).await?;
    Ok(StatusCode::NO_CONTENT)
}
