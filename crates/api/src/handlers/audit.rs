//! The audit log for a tenant's auditors.

use axum::extract::{Path, State};
use axum::http::header;
use axum::response::IntoResponse;
use axum::Json;
use serde::Deserialize;
use serde_json::json;

use crate::error::ApiResult;
use crate::extract::{Caller, Query};
use crate::AppState;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Page {
    #[serde(default)]
    after: u64,
    #[serde(default)]
    limit: Option<u32>,
}

/// `GET /api/v1/tenants/{tenant}/audit?after=SEQ&limit=N`.
pub async fn records(
    State(s): State<AppState>,
    Caller(ctx): Caller,
    Path(t): Path<String>,
    Query(p): Query<Page>,
) -> ApiResult<Json<serde_json::Value>> {
    let recs = s.app.audit_records(&ctx, &t, p.after, p.limit.unwrap_or(100)).await?;
    Ok(Json(json!({"records": recs})))
}

/// `GET /api/v1/tenants/{tenant}/audit/export`: JSON lines that
/// `suveren audit verify` checks offline.
pub async fn export(
    State(s): State<AppState>,
    Caller(ctx): Caller,
    Path(t): Path<String>,
) -> ApiResult<impl IntoResponse> {
    let body = s.app.audit_export(&ctx, &t).await?;
    Ok((
        [
            (header::CONTENT_TYPE, "application/x-ndjson".to_string()),
            (header::CONTENT_DISPOSITION, format!("attachment; filename=\"audit-{t}.jsonl\"")),
        ],
        body,
    ))
}
