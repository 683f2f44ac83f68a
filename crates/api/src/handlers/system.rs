//! Health, readiness, metrics and the API description.

use axum::extract::State;
use axum::http::{header, StatusCode};
use axum::response::IntoResponse;
use axum::Json;

use crate::extract::Caller;
use crate::AppState;

/// `GET /healthz`: the process answers.
pub async fn healthz(_c: Caller) -> &'static str {
    "ok"
}

/// `GET /readyz`: the database answers.
pub async fn readyz(State(s): State<AppState>, _c: Caller) -> impl IntoResponse {
    match s.app.store.ping().await {
        Ok(()) => (StatusCode::OK, "ready"),
        Err(e) => {
            tracing::warn!(error = %e, "not ready");
            (StatusCode::SERVICE_UNAVAILABLE, "database unavailable")
        }
    }
}

/// `GET /api/v1/health`: each part of the installation in plain terms
/// (operator; the same answer as the web console's health page).
pub async fn health(
    State(s): State<AppState>,
    Caller(ctx): Caller,
) -> crate::error::ApiResult<Json<serde_json::Value>> {
    Ok(Json(serde_json::json!(s.app.health(&ctx).await?)))
}

/// `GET /metrics`: Prometheus text format.
pub async fn metrics(State(s): State<AppState>, _c: Caller) -> impl IntoResponse {
    let mut out = String::new();
    if prometheus_client::encoding::text::encode(&mut out, &s.metrics.registry).is_err() {
        return (StatusCode::INTERNAL_SERVER_ERROR, [(header::CONTENT_TYPE, "text/plain")], String::new());
    }
    (StatusCode::OK, [(header::CONTENT_TYPE, "application/openmetrics-text; version=1.0.0; charset=utf-8")], out)
}

/// `GET /api/v1/openapi.json`.
pub async fn openapi(State(s): State<AppState>, _c: Caller) -> Json<serde_json::Value> {
    Json((*s.openapi).clone())
}
