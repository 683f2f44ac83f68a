//! Lockbox requests, decisions, grants and the notices they leave.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Json;
use serde::Deserialize;
use serde_json::{json, Value};
use suveren_domain::lockbox::{LockboxRequest, LockboxSettings};
use suveren_service::lockbox::NewRequest;

use crate::error::ApiResult;
use crate::extract::{Body, Caller};
use crate::AppState;

type J = ApiResult<Json<Value>>;

fn time(unix: i64) -> Value {
    time::OffsetDateTime::from_unix_timestamp(unix)
        .ok()
        .and_then(|t| t.format(&time::format_description::well_known::Rfc3339).ok())
        .map(Value::String)
        .unwrap_or(Value::Null)
}

/// A request as callers see it: its state now, times in RFC 3339.
pub fn view(r: &LockboxRequest, now: i64) -> Value {
    json!({
        "id": r.id,
        "tenant": r.tenant,
        "requester": r.requester_login,
        "scope": r.scope,
        "scope_text": r.scope.describe(),
        "actions": r.actions,
        "reason": r.reason,
        "case_ref": r.case_ref,
        "minutes": r.minutes,
        "status": r.status(now).as_str(),
        "created": time(r.created),
        "pending_until": time(r.pending_until),
        "required": r.required,
        "approvals": r.approvals(),
        "reviews": r.reviews.iter().map(|v| json!({
            "by": v.by_login, "verdict": v.verdict, "note": v.note, "at": time(v.at),
        })).collect::<Vec<_>>(),
        "granted_at": r.granted_at.map(time),
        "expires": r.expires.map(time),
        "notify": r.notify,
        "withheld_reason": r.withheld_reason,
        "revoked_by": r.revoked_by,
        "revoke_note": r.revoke_note,
    })
}

/// `POST /api/v1/lockbox/requests`.
pub async fn file(
    State(s): State<AppState>,
    Caller(ctx): Caller,
    Body(b): Body<NewRequest>,
) -> ApiResult<(StatusCode, Json<Value>)> {
    let r = s.app.lockbox_file(&ctx, b).await?;
    let mut v = view(&r, s.app.clock.now());
    v["id"] = json!(r.id);
    Ok((StatusCode::CREATED, Json(v)))
}

/// `GET /api/v1/lockbox/requests`.
pub async fn list(State(s): State<AppState>, Caller(ctx): Caller) -> J {
    let now = s.app.clock.now();
    let v: Vec<Value> = s.app.lockbox_list(&ctx).await?.iter().map(|r| view(r, now)).collect();
    Ok(Json(json!({"requests": v})))
}

/// `GET /api/v1/lockbox/requests/{id}`.
pub async fn show(State(s): State<AppState>, Caller(ctx): Caller, Path(id): Path<String>) -> J {
    let r = s.app.lockbox_get(&ctx, &id).await?;
    Ok(Json(view(&r, s.app.clock.now())))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DecisionBody {
    note: String,
    /// Do not tell the affected people; the reason is recorded.
    #[serde(default)]
    withhold_notice: Option<String>,
}

/// `POST /api/v1/lockbox/requests/{id}/approve` and `/deny`.
pub async fn decide(
    State(s): State<AppState>,
    Caller(ctx): Caller,
    Path(id): Path<String>,
    Body(b): Body<DecisionBody>,
) -> J {
    let r = s.app.lockbox_decide(&ctx, &id, &b.note, b.withhold_notice.as_deref()).await?;
    Ok(Json(view(&r, s.app.clock.now())))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NoteBody {
    note: String,
}

/// `POST /api/v1/lockbox/requests/{id}/revoke`.
pub async fn revoke(
    State(s): State<AppState>,
    Caller(ctx): Caller,
    Path(id): Path<String>,
    Body(b): Body<NoteBody>,
) -> J {
    let r = s.app.lockbox_revoke(&ctx, &id, &b.note).await?;
    Ok(Json(view(&r, s.app.clock.now())))
}

/// `GET /api/v1/tenants/{tenant}/lockbox-settings`.
pub async fn settings(State(s): State<AppState>, Caller(ctx): Caller, Path(t): Path<String>) -> J {
    Ok(Json(json!(s.app.lockbox_settings(&ctx, &t).await?)))
}

/// `PUT /api/v1/tenants/{tenant}/lockbox-settings`.
pub async fn set_settings(
    State(s): State<AppState>,
    Caller(ctx): Caller,
    Path(t): Path<String>,
    Body(b): Body<LockboxSettings>,
) -> J {
    Ok(Json(json!(s.app.set_lockbox_settings(&ctx, &t, b).await?)))
}

/// `GET /api/v1/me/notices`.
pub async fn notices(State(s): State<AppState>, Caller(ctx): Caller) -> J {
    Ok(Json(json!({"notices": s.app.notices(&ctx).await?})))
}
