//! Legal holds and GDPR erasure (tenant administrators). Retention periods
//! are part of the classification scheme (`PUT .../classification`).

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Json;
use serde::Deserialize;
use serde_json::{json, Value};
use suveren_service::retention::HoldInput;

use crate::error::ApiResult;
use crate::extract::{Body, Caller, Query};
use crate::AppState;

/// `GET /api/v1/tenants/{tenant}/legal-holds`: active holds first.
pub async fn list_holds(
    State(s): State<AppState>,
    Caller(ctx): Caller,
    Path(t): Path<String>,
) -> ApiResult<Json<Value>> {
    Ok(Json(json!({"holds": s.app.list_holds(&ctx, &t).await?})))
}

/// `POST /api/v1/tenants/{tenant}/legal-holds` with
/// `{"scope": {"principal": LOGIN} | {"drive": SLUG|ID|LOGIN} | {"folder": {"drive": .., "path": ..}},
///   "reason": .., "case_ref": ..}`.
pub async fn create_hold(
    State(s): State<AppState>,
    Caller(ctx): Caller,
    Path(t): Path<String>,
    Body(b): Body<HoldInput>,
) -> ApiResult<(StatusCode, Json<Value>)> {
    Ok((StatusCode::CREATED, Json(json!(s.app.create_hold(&ctx, &t, &b).await?))))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NoteBody {
    note: String,
}

/// `POST /api/v1/tenants/{tenant}/legal-holds/{id}/release` with `{"note": ..}`.
pub async fn release_hold(
    State(s): State<AppState>,
    Caller(ctx): Caller,
    Path((t, id)): Path<(String, String)>,
    Body(b): Body<NoteBody>,
) -> ApiResult<Json<Value>> {
    Ok(Json(json!(s.app.release_hold(&ctx, &t, &id, &b.note).await?)))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EraseQuery {
    #[serde(default)]
    dry_run: bool,
}

/// `POST /api/v1/tenants/{tenant}/principals/{login}/erase?dry_run=true`:
/// the report of what was (or would be) erased and what was kept and why.
pub async fn erase_principal(
    State(s): State<AppState>,
    Caller(ctx): Caller,
    Path((t, login)): Path<(String, String)>,
    Query(q): Query<EraseQuery>,
) -> ApiResult<Json<Value>> {
    Ok(Json(json!(s.app.erase_principal(&ctx, &t, &login, q.dry_run).await?)))
}
