//! GDPR export (Art. 15 and 20): one principal's data as a streamed ZIP.
//!
//! The archive's length is unknown until it is written, so the answer
//! carries `X-Suveren-Export-Bytes` (the file contents to come) for progress
//! bars instead of a Content-Length.

use axum::body::Body;
use axum::extract::{Path, State};
use axum::http::{header, HeaderValue};
use axum::response::{IntoResponse, Response};
use suveren_service::export::{ExportPlan, Subject, EXPECTED_BYTES_HEADER};
use suveren_service::Ctx;

use crate::error::ApiResult;
use crate::extract::Caller;
use crate::AppState;

fn archive(s: &AppState, ctx: Ctx, plan: ExportPlan) -> Response {
    let expected = plan.expected_bytes;
    let disposition = format!("attachment; filename=\"{}\"", plan.file_name);
    let body = Body::from_stream(s.app.clone().export_stream(ctx, plan));
    let mut res = body.into_response();
    let h = res.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static("application/zip"));
    if let Ok(v) = HeaderValue::from_str(&disposition) {
        h.insert(header::CONTENT_DISPOSITION, v);
    }
    h.insert(EXPECTED_BYTES_HEADER, HeaderValue::from(expected));
    res
}

/// `GET /api/v1/me/export`: everything about the caller, with their files.
pub async fn me(State(s): State<AppState>, Caller(ctx): Caller) -> ApiResult<Response> {
    let plan = s.app.export_plan(&ctx, Subject::Me).await?;
    Ok(archive(&s, ctx, plan))
}

/// `GET /api/v1/tenants/{tenant}/principals/{login}/export`: for the
/// tenant's administrators; file names and contents only where the gate
/// lets the caller list and read them (a lockbox grant), the rest withheld
/// with the reason.
pub async fn principal(
    State(s): State<AppState>,
    Caller(ctx): Caller,
    Path((tenant, login)): Path<(String, String)>,
) -> ApiResult<Response> {
    let plan = s.app.export_plan(&ctx, Subject::Principal { tenant: &tenant, login: &login }).await?;
    Ok(archive(&s, ctx, plan))
}
