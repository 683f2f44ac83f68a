//! Resumable uploads with the tus 1.0 protocol (core, creation,
//! termination): `POST /api/v1/uploads` with `Upload-Length` and
//! `Upload-Metadata: drive <b64>,path <b64>[,filetype <b64>]`, then `PATCH`
//! with `Upload-Offset`, `HEAD` to learn the offset after a break.
//!
//! The server may keep fewer bytes than a PATCH carried (whole 64 KiB
//! chunks until the last); it answers the offset it reached, and clients
//! continue from there, as tus prescribes.

use axum::extract::{Path, Request, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use base64::Engine;
use futures_util::TryStreamExt;
use serde_json::json;

use crate::error::{ApiError, ApiResult};
use crate::extract::Caller;
use crate::AppState;

const VERSION: &str = "1.0.0";

fn tus(mut r: Response) -> Response {
    r.headers_mut().insert("tus-resumable", HeaderValue::from_static(VERSION));
    r.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    r
}

fn check_version(h: &HeaderMap) -> ApiResult<()> {
    match h.get("tus-resumable").and_then(|v| v.to_str().ok()) {
        Some(VERSION) => Ok(()),
        _ => {
            let e = ApiError::new(
                StatusCode::PRECONDITION_FAILED,
                "/problems/tus-version",
                "Unsupported protocol version",
                "Send `Tus-Resumable: 1.0.0`.",
            );
            Err(e)
        }
    }
}

fn metadata(h: &HeaderMap) -> std::collections::HashMap<String, String> {
    let b64 = base64::engine::general_purpose::STANDARD;
    h.get("upload-metadata")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .split(',')
        .filter_map(|kv| {
            let mut it = kv.trim().splitn(2, ' ');
            let k = it.next()?.to_string();
            let v = it
                .next()
                .map(|v| b64.decode(v.trim()).ok().and_then(|b| String::from_utf8(b).ok()))
                .unwrap_or(Some(String::new()))?;
            Some((k, v))
        })
        .collect()
}

fn number(h: &HeaderMap, name: &str) -> ApiResult<u64> {
    h.get(name)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse().ok())
        .ok_or_else(|| ApiError::bad_request(format!("`{name}` must be a non-negative integer")))
}

/// `OPTIONS /api/v1/uploads`: what this server supports.
pub async fn options() -> Response {
    let mut r = StatusCode::NO_CONTENT.into_response();
    let h = r.headers_mut();
    h.insert("tus-version", HeaderValue::from_static(VERSION));
    h.insert("tus-extension", HeaderValue::from_static("creation,termination"));
    h.insert("tus-max-size", HeaderValue::from(suveren_service::drive::MAX_UPLOAD));
    tus(r)
}

/// `POST /api/v1/uploads`.
pub async fn create(State(s): State<AppState>, Caller(ctx): Caller, headers: HeaderMap) -> ApiResult<Response> {
    check_version(&headers)?;
    let total = number(&headers, "upload-length")?;
    let meta = metadata(&headers);
    let (Some(drive), Some(path)) = (meta.get("drive"), meta.get("path")) else {
        return Err(ApiError::bad_request("`Upload-Metadata` needs `drive` and `path` (base64)"));
    };
    let mime = meta.get("filetype").cloned().filter(|m| !m.is_empty());
    let u = s.app.upload_create(&ctx, drive, path, total, mime).await?;
    let mut r = (StatusCode::CREATED, axum::Json(json!({"id": u.id, "total": u.total}))).into_response();
    let loc = format!("/api/v1/uploads/{}", u.id);
    r.headers_mut().insert(header::LOCATION, HeaderValue::from_str(&loc).expect("ascii id"));
    r.headers_mut().insert("upload-offset", HeaderValue::from(0u64));
    Ok(tus(r))
}

/// `HEAD /api/v1/uploads/{id}` (and `GET`): the offset reached.
pub async fn head(State(s): State<AppState>, Caller(ctx): Caller, Path(id): Path<String>) -> ApiResult<Response> {
    let (off, total) = s.app.upload_offset(&ctx, &id).await?;
    let mut r = StatusCode::OK.into_response();
    r.headers_mut().insert("upload-offset", HeaderValue::from(off));
    r.headers_mut().insert("upload-length", HeaderValue::from(total));
    Ok(tus(r))
}

/// `PATCH /api/v1/uploads/{id}`: appends at `Upload-Offset`.
pub async fn patch(
    State(s): State<AppState>,
    Caller(ctx): Caller,
    Path(id): Path<String>,
    req: Request,
) -> ApiResult<Response> {
    let h = req.headers();
    check_version(h)?;
    if h.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()) != Some("application/offset+octet-stream") {
        return Err(ApiError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "/problems/unsupported-media-type",
            "Unsupported media type",
            "Send the bytes as application/offset+octet-stream.",
        ));
    }
    let offset = number(h, "upload-offset")?;
    let stream = req.into_body().into_data_stream().map_err(std::io::Error::other);
    let mut reader = tokio_util::io::StreamReader::new(stream);
    let (off, done) = s.app.upload_append(&ctx, &id, offset, &mut reader).await?;
    let mut r = StatusCode::NO_CONTENT.into_response();
    r.headers_mut().insert("upload-offset", HeaderValue::from(off));
    if let Some(n) = done {
        if let Ok(v) = HeaderValue::from_str(&format!("\"{}\"", n.etag)) {
            r.headers_mut().insert(header::ETAG, v);
        }
        r.headers_mut().insert("x-suveren-item", HeaderValue::from(n.id));
    }
    Ok(tus(r))
}

/// `DELETE /api/v1/uploads/{id}`: gives up, removing what was received.
pub async fn delete(State(s): State<AppState>, Caller(ctx): Caller, Path(id): Path<String>) -> ApiResult<Response> {
    s.app.upload_abort(&ctx, &id).await?;
    Ok(tus(StatusCode::NO_CONTENT.into_response()))
}
