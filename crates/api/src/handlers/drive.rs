//! The drive over JSON and plain HTTP bodies: the same service operations
//! WebDAV uses, for the web UI and sync clients.

use axum::body::Body as RawBody;
use axum::extract::{Path, Request, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use futures_util::TryStreamExt;
use serde::Deserialize;
use serde_json::{json, Value};
use suveren_service::drive::{node_json, DriveSel, NewShare, Place, ReadResult, TransferOpts, WriteOpts};
use suveren_service::Ctx;
use suveren_store::drive::Expect;

use crate::error::{ApiError, ApiResult};
use crate::extract::{Body, Caller, Query};
use crate::AppState;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PathQuery {
    path: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OptPathQuery {
    #[serde(default)]
    path: Option<String>,
}

async fn place(s: &AppState, ctx: &Ctx, drive: &str) -> ApiResult<Place> {
    Ok(s.app.place(ctx, DriveSel::Id(drive)).await?)
}

fn drive_json(d: &suveren_service::drive::Drive, role: Option<suveren_policy::AccessRole>, used: u64) -> Value {
    json!({
        "id": d.id,
        "name": d.name,
        "slug": d.slug,
        "kind": d.kind,
        "tenant": d.tenant,
        "level": d.level,
        "role": role,
        "quota": d.quota,
        "used": used,
        "webdav": match d.kind {
            suveren_service::drive::DriveKind::Personal => None,
            suveren_service::drive::DriveKind::Team => Some(format!("/dav/drives/{}/", d.slug)),
        },
    })
}

/// `GET /api/v1/drives`: the caller's personal drive and team drives.
pub async fn my_drives(State(s): State<AppState>, Caller(ctx): Caller) -> ApiResult<Json<Value>> {
    let mut out = Vec::new();
    for (d, role) in s.app.my_drives(&ctx).await? {
        let place = Place { drive: d.clone(), role: Some(role) };
        let (used, _) = s.app.usage(&place).await?;
        let mut j = drive_json(&d, Some(role), used);
        if d.kind == suveren_service::drive::DriveKind::Personal {
            j["webdav"] = json!(format!("/dav/files/{}/", ctx.actor.login()));
        }
        out.push(j);
    }
    Ok(Json(json!({ "drives": out })))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MemberBody {
    #[serde(default)]
    principal: Option<String>,
    #[serde(default)]
    group: Option<String>,
    role: suveren_policy::AccessRole,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewDrive {
    name: String,
    slug: String,
    level: u8,
    #[serde(default)]
    members: Vec<MemberBody>,
    #[serde(default)]
    quota: Option<u64>,
}

fn members(s: &AppState, tenant: &str, m: Vec<MemberBody>) -> ApiResult<Vec<suveren_service::drive::Member>> {
    let snap = s.app.snapshot();
    m.into_iter()
        .map(|m| {
            let principal = match m.principal {
                Some(login) => Some(
                    snap.dir
                        .principal_by_login(&login)
                        .filter(|p| p.tenant == tenant)
                        .map(|p| p.id.clone())
                        .ok_or_else(|| ApiError::bad_request(format!("`{login}` is not a member of this tenant")))?,
                ),
                None => None,
            };
            let group = m.group.map(|g| if g.contains(':') { g } else { format!("{tenant}:{g}") });
            Ok(suveren_service::drive::Member { principal, group, role: m.role })
        })
        .collect()
}

/// `POST /api/v1/tenants/{tenant}/drives`: a team drive (tenant admins).
pub async fn create_drive(
    State(s): State<AppState>,
    Caller(ctx): Caller,
    Path(tenant): Path<String>,
    Body(b): Body<NewDrive>,
) -> ApiResult<(StatusCode, Json<Value>)> {
    if ctx.actor.principal.as_ref().is_none_or(|p| p.tenant != tenant) {
        return Err(ApiError::not_found());
    }
    let m = members(&s, &tenant, b.members)?;
    let mut d = s.app.create_team_drive(&ctx, &b.name, &b.slug, b.level, m).await?;
    if b.quota.is_some() {
        d = s.app.update_team_drive(&ctx, &d.id, |d| d.quota = b.quota).await?;
    }
    Ok((StatusCode::CREATED, Json(drive_json(&d, None, 0))))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DrivePatch {
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    level: Option<u8>,
    #[serde(default)]
    members: Option<Vec<MemberBody>>,
    #[serde(default)]
    quota: Option<u64>,
}

/// `PATCH /api/v1/tenants/{tenant}/drives/{drive}`.
pub async fn update_drive(
    State(s): State<AppState>,
    Caller(ctx): Caller,
    Path((tenant, drive)): Path<(String, String)>,
    Body(b): Body<DrivePatch>,
) -> ApiResult<Json<Value>> {
    if ctx.actor.principal.as_ref().is_none_or(|p| p.tenant != tenant) {
        return Err(ApiError::not_found());
    }
    let m = match b.members {
        Some(m) => Some(members(&s, &tenant, m)?),
        None => None,
    };
    let d = s
        .app
        .update_team_drive(&ctx, &drive, |d| {
            if let Some(n) = b.name {
                d.name = n;
            }
            if let Some(l) = b.level {
                d.level = l;
            }
            if let Some(m) = m {
                d.members = m;
            }
            if b.quota.is_some() {
                d.quota = b.quota;
            }
        })
        .await?;
    Ok(Json(drive_json(&d, None, 0)))
}

/// `GET /api/v1/drives/{drive}/items?path=P`: a folder with its children (one
/// database round trip), or a file's metadata.
pub async fn items(
    State(s): State<AppState>,
    Caller(ctx): Caller,
    Path(drive): Path<String>,
    Query(q): Query<OptPathQuery>,
) -> ApiResult<Json<Value>> {
    let place = place(&s, &ctx, &drive).await?;
    let (me, children) = s.app.list(&ctx, &place, q.path.as_deref().unwrap_or("/")).await?;
    Ok(Json(json!({
        "item": node_json(&me),
        "children": children.iter().map(node_json).collect::<Vec<_>>(),
    })))
}

/// A single `bytes=` range against a length, RFC 9110 §14.1.2.
fn parse_range(h: &HeaderMap, size: u64) -> Result<Option<(u64, u64)>, ()> {
    let Some(v) = h.get(header::RANGE).and_then(|v| v.to_str().ok()) else { return Ok(None) };
    let Some(spec) = v.trim().strip_prefix("bytes=") else { return Ok(None) };
    if spec.contains(',') {
        return Ok(None); // several ranges: answer with the whole body
    }
    let (a, b) = spec.split_once('-').ok_or(())?;
    let (a, b) = (a.trim(), b.trim());
    let r = if a.is_empty() {
        let n: u64 = b.parse().map_err(|_| ())?;
        // Nothing of an empty file can be satisfied (RFC 9110 14.1.1).
        if n == 0 || size == 0 {
            return Err(());
        }
        let n = n.min(size);
        (size - n, n)
    } else {
        let start: u64 = a.parse().map_err(|_| ())?;
        let end = if b.is_empty() {
            size.saturating_sub(1)
        } else {
            b.parse::<u64>().map_err(|_| ())?.min(size.saturating_sub(1))
        };
        if start >= size || end < start {
            return Err(());
        }
        (start, end - start + 1)
    };
    Ok(Some(r))
}

fn disposition(name: &str) -> HeaderValue {
    const SET: &percent_encoding::AsciiSet =
        &percent_encoding::NON_ALPHANUMERIC.remove(b'-').remove(b'_').remove(b'.').remove(b'~');
    let ascii: String =
        name.chars().map(|c| if c.is_ascii_alphanumeric() || ".-_ ".contains(c) { c } else { '_' }).collect();
    let enc = percent_encoding::utf8_percent_encode(name, SET);
    HeaderValue::from_str(&format!("attachment; filename=\"{ascii}\"; filename*=UTF-8''{enc}"))
        .unwrap_or_else(|_| HeaderValue::from_static("attachment"))
}

fn http_date(ms: i64) -> String {
    let t = time::OffsetDateTime::from_unix_timestamp(ms / 1000).unwrap_or(time::OffsetDateTime::UNIX_EPOCH);
    let f = time::macros::format_description!(
        "[weekday repr:short], [day] [month repr:short] [year] [hour]:[minute]:[second] GMT"
    );
    t.format(&f).unwrap_or_default()
}

pub(crate) fn stream_response(r: ReadResult, ranged: bool, headers_only: bool) -> Response {
    let n = &r.node;
    let mut res = if headers_only {
        Response::new(RawBody::empty())
    } else {
        Response::new(RawBody::from_stream(r.body.map_err(|e| std::io::Error::other(e.to_string()))))
    };
    let h = res.headers_mut();
    h.insert(header::CONTENT_LENGTH, HeaderValue::from(r.len));
    h.insert(header::ACCEPT_RANGES, HeaderValue::from_static("bytes"));
    if let Ok(v) = HeaderValue::from_str(&format!("\"{}\"", n.etag)) {
        h.insert(header::ETAG, v);
    }
    if let Ok(v) = HeaderValue::from_str(&http_date(n.modified)) {
        h.insert(header::LAST_MODIFIED, v);
    }
    let ct = n.mime.clone().unwrap_or_else(|| "application/octet-stream".into());
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_str(&ct).unwrap_or(HeaderValue::from_static("application/octet-stream")),
    );
    h.insert(header::CONTENT_DISPOSITION, disposition(&n.name));
    // Downloads are files, never pages of this origin.
    h.insert(header::CONTENT_SECURITY_POLICY, HeaderValue::from_static("sandbox; default-src 'none'"));
    if ranged {
        *res.status_mut() = StatusCode::PARTIAL_CONTENT;
        let end = (r.offset + r.len).saturating_sub(1);
        if let Ok(v) = HeaderValue::from_str(&format!("bytes {}-{}/{}", r.offset, end, n.size)) {
            res.headers_mut().insert(header::CONTENT_RANGE, v);
        }
    }
    res
}

fn unsatisfiable(size: u64) -> Response {
    let mut r = ApiError::new(
        StatusCode::RANGE_NOT_SATISFIABLE,
        "/problems/range",
        "Range not satisfiable",
        format!("The file has {size} bytes."),
    )
    .into_response();
    if let Ok(v) = HeaderValue::from_str(&format!("bytes */{size}")) {
        r.headers_mut().insert(header::CONTENT_RANGE, v);
    }
    r
}

/// `GET /api/v1/drives/{drive}/content?path=P`: the file, or a `Range` of it
/// (only the covered chunks are decrypted).
pub async fn download(
    State(s): State<AppState>,
    Caller(ctx): Caller,
    Path(drive): Path<String>,
    Query(q): Query<PathQuery>,
    headers: HeaderMap,
) -> ApiResult<Response> {
    let place = place(&s, &ctx, &drive).await?;
    let node = s.app.stat(&ctx, &place, &q.path).await?;
    if node.dir {
        return Err(ApiError::new(StatusCode::CONFLICT, "/problems/conflict", "Conflict", "This is a folder."));
    }
    if headers
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.split(',').any(|t| t.trim().trim_start_matches("W/").trim_matches('"') == node.etag))
    {
        let mut r = StatusCode::NOT_MODIFIED.into_response();
        if let Ok(v) = HeaderValue::from_str(&format!("\"{}\"", node.etag)) {
            r.headers_mut().insert(header::ETAG, v);
        }
        return Ok(r);
    }
    let range = match parse_range(&headers, node.size) {
        Ok(r) => r,
        Err(()) => return Ok(unsatisfiable(node.size)),
    };
    let r = s.app.read(&ctx, &place, &q.path, range).await?;
    Ok(stream_response(r, range.is_some(), false))
}

fn etag_list(v: Option<&HeaderValue>) -> Option<String> {
    let v = v?.to_str().ok()?.trim();
    (v != "*").then(|| v.trim_start_matches("W/").trim_matches('"').to_string())
}

/// `PUT /api/v1/drives/{drive}/content?path=P`: stores the body as the file
/// (streamed; `If-Match` / `If-None-Match: *` make it conditional).
pub async fn upload(
    State(s): State<AppState>,
    Caller(ctx): Caller,
    Path(drive): Path<String>,
    Query(q): Query<PathQuery>,
    req: Request,
) -> ApiResult<(StatusCode, Json<Value>)> {
    let place = place(&s, &ctx, &drive).await?;
    let h = req.headers();
    let expect = Expect {
        etag: etag_list(h.get(header::IF_MATCH)),
        present: h.get(header::IF_MATCH).is_some_and(|v| v == "*"),
        absent: h.get(header::IF_NONE_MATCH).is_some_and(|v| v == "*"),
    };
    let size = h.get(header::CONTENT_LENGTH).and_then(|v| v.to_str().ok()).and_then(|v| v.parse().ok());
    let mime = h.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).map(str::to_string);
    let stream = req.into_body().into_data_stream().map_err(std::io::Error::other);
    let mut reader = tokio_util::io::StreamReader::new(stream);
    let opts = WriteOpts { expect, mime, size, modified: None };
    let out = s.app.write(&ctx, &place, &q.path, &mut reader, opts).await?;
    let status = if out.created { StatusCode::CREATED } else { StatusCode::OK };
    Ok((status, Json(node_json(&out.node))))
}

/// `POST /api/v1/drives/{drive}/folders` `{"path"}`.
pub async fn mkdir(
    State(s): State<AppState>,
    Caller(ctx): Caller,
    Path(drive): Path<String>,
    Body(b): Body<PathQuery>,
) -> ApiResult<(StatusCode, Json<Value>)> {
    let place = place(&s, &ctx, &drive).await?;
    let n = s.app.mkdir(&ctx, &place, &b.path).await?;
    Ok((StatusCode::CREATED, Json(node_json(&n))))
}

/// `DELETE /api/v1/drives/{drive}/items?path=P`: to the trash.
pub async fn delete(
    State(s): State<AppState>,
    Caller(ctx): Caller,
    Path(drive): Path<String>,
    Query(q): Query<PathQuery>,
) -> ApiResult<Json<Value>> {
    let place = place(&s, &ctx, &drive).await?;
    let e = s.app.delete(&ctx, &place, &q.path).await?;
    Ok(Json(json!({ "trash": e })))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TransferBody {
    from: String,
    to: String,
    /// Another drive of the same tenant.
    #[serde(default)]
    to_drive: Option<String>,
    #[serde(default)]
    overwrite: bool,
    /// Lower the content to the destination's level (owners; audited).
    #[serde(default)]
    declassify: bool,
}

async fn transfer(s: AppState, ctx: Ctx, drive: String, b: TransferBody, copy: bool) -> ApiResult<Json<Value>> {
    let src = place(&s, &ctx, &drive).await?;
    let dst = match &b.to_drive {
        Some(d) if *d != drive => place(&s, &ctx, d).await?,
        _ => src.clone(),
    };
    let opts = TransferOpts { copy, overwrite: b.overwrite, declassify: b.declassify };
    let done = s.app.transfer(&ctx, &src, &b.from, &dst, &b.to, opts).await?;
    Ok(Json(json!({ "item": node_json(&done.node), "replaced": done.replaced })))
}

/// `POST /api/v1/drives/{drive}/move`.
pub async fn move_item(
    State(s): State<AppState>,
    Caller(ctx): Caller,
    Path(drive): Path<String>,
    Body(b): Body<TransferBody>,
) -> ApiResult<Json<Value>> {
    transfer(s, ctx, drive, b, false).await
}

/// `POST /api/v1/drives/{drive}/copy`.
pub async fn copy_item(
    State(s): State<AppState>,
    Caller(ctx): Caller,
    Path(drive): Path<String>,
    Body(b): Body<TransferBody>,
) -> ApiResult<Json<Value>> {
    transfer(s, ctx, drive, b, true).await
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LevelBody {
    path: String,
    level: u8,
}

/// `PUT /api/v1/drives/{drive}/level`: raise (or, owners, lower) an item.
pub async fn set_level(
    State(s): State<AppState>,
    Caller(ctx): Caller,
    Path(drive): Path<String>,
    Body(b): Body<LevelBody>,
) -> ApiResult<Json<Value>> {
    let place = place(&s, &ctx, &drive).await?;
    let n = s.app.set_level(&ctx, &place, &b.path, b.level).await?;
    Ok(Json(node_json(&n)))
}

/// `GET /api/v1/drives/{drive}/trash`.
pub async fn trash(
    State(s): State<AppState>,
    Caller(ctx): Caller,
    Path(drive): Path<String>,
) -> ApiResult<Json<Value>> {
    let place = place(&s, &ctx, &drive).await?;
    Ok(Json(json!({ "trash": s.app.trash_list(&ctx, &place).await? })))
}

/// `POST /api/v1/drives/{drive}/trash/{id}/restore`.
pub async fn restore(
    State(s): State<AppState>,
    Caller(ctx): Caller,
    Path((drive, id)): Path<(String, String)>,
) -> ApiResult<Json<Value>> {
    let place = place(&s, &ctx, &drive).await?;
    let n = s.app.restore(&ctx, &place, &id).await?;
    Ok(Json(node_json(&n)))
}

/// `DELETE /api/v1/drives/{drive}/trash/{id}`: for good.
pub async fn purge(
    State(s): State<AppState>,
    Caller(ctx): Caller,
    Path((drive, id)): Path<(String, String)>,
) -> ApiResult<StatusCode> {
    let place = place(&s, &ctx, &drive).await?;
    s.app.purge(&ctx, &place, &id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// `GET /api/v1/drives/{drive}/versions?path=P`.
pub async fn versions(
    State(s): State<AppState>,
    Caller(ctx): Caller,
    Path(drive): Path<String>,
    Query(q): Query<PathQuery>,
) -> ApiResult<Json<Value>> {
    let place = place(&s, &ctx, &drive).await?;
    let (n, v) = s.app.versions(&ctx, &place, &q.path).await?;
    Ok(Json(json!({ "item": node_json(&n), "versions": v })))
}

/// `POST /api/v1/drives/{drive}/versions/{id}/restore?path=P`.
pub async fn restore_version(
    State(s): State<AppState>,
    Caller(ctx): Caller,
    Path((drive, id)): Path<(String, i64)>,
    Query(q): Query<PathQuery>,
) -> ApiResult<Json<Value>> {
    let place = place(&s, &ctx, &drive).await?;
    let n = s.app.restore_version(&ctx, &place, &q.path, id).await?;
    Ok(Json(node_json(&n)))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ChangesQuery {
    #[serde(default)]
    since: Option<i64>,
    #[serde(default)]
    limit: Option<u32>,
}

/// `GET /api/v1/drives/{drive}/changes?since=TOKEN`: what changed after the
/// token of an earlier answer; `next` is the token to ask with next time.
pub async fn changes(
    State(s): State<AppState>,
    Caller(ctx): Caller,
    Path(drive): Path<String>,
    Query(q): Query<ChangesQuery>,
) -> ApiResult<Json<Value>> {
    let place = place(&s, &ctx, &drive).await?;
    let limit = q.limit.unwrap_or(1000);
    let (changes, next) = s.app.changes(&ctx, &place, q.since.unwrap_or(0), limit).await?;
    let more = changes.len() as u32 >= limit.clamp(1, 10_000);
    Ok(Json(json!({ "changes": changes, "next": next.to_string(), "more": more })))
}

/// `POST /api/v1/drives/{drive}/shares`.
pub async fn create_share(
    State(s): State<AppState>,
    Caller(ctx): Caller,
    Path(drive): Path<String>,
    Body(b): Body<Value>,
) -> ApiResult<(StatusCode, Json<Value>)> {
    let path = b.get("path").and_then(Value::as_str).map(str::to_string).ok_or_else(|| {
        ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "/problems/invalid", "Invalid input", "`path` is required")
    })?;
    let mut rest = b.clone();
    if let Some(o) = rest.as_object_mut() {
        o.remove("path");
    }
    let share: NewShare = serde_json::from_value(rest).map_err(|e| {
        ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "/problems/invalid", "Invalid input", e.to_string())
    })?;
    let place = place(&s, &ctx, &drive).await?;
    let (view, token) = s.app.share(&ctx, &place, &path, share).await?;
    let mut j = serde_json::to_value(&view).unwrap_or_default();
    if let Some(t) = token {
        j["token"] = json!(t);
        j["url"] = json!(format!("/api/v1/links/{t}"));
    }
    Ok((StatusCode::CREATED, Json(j)))
}

/// `GET /api/v1/drives/{drive}/shares`.
pub async fn drive_shares(
    State(s): State<AppState>,
    Caller(ctx): Caller,
    Path(drive): Path<String>,
) -> ApiResult<Json<Value>> {
    let place = place(&s, &ctx, &drive).await?;
    Ok(Json(json!({ "shares": s.app.drive_shares(&ctx, &place).await? })))
}

/// `GET /api/v1/me/shares`: what the caller shared.
pub async fn my_shares(State(s): State<AppState>, Caller(ctx): Caller) -> ApiResult<Json<Value>> {
    Ok(Json(json!({ "shares": s.app.my_shares(&ctx).await? })))
}

/// `GET /api/v1/me/shared-with-me`.
pub async fn shared_with_me(State(s): State<AppState>, Caller(ctx): Caller) -> ApiResult<Json<Value>> {
    let items: Vec<Value> = s
        .app
        .shared_with_me(&ctx)
        .await?
        .into_iter()
        .map(|(share, node)| json!({ "share": share, "item": node_json(&node) }))
        .collect();
    Ok(Json(json!({ "shared": items })))
}

/// `DELETE /api/v1/shares/{id}`.
pub async fn revoke_share(
    State(s): State<AppState>,
    Caller(ctx): Caller,
    Path(id): Path<String>,
) -> ApiResult<StatusCode> {
    s.app.revoke_share(&ctx, &id).await?;
    Ok(StatusCode::NO_CONTENT)
}

fn link_password(h: &HeaderMap) -> Option<String> {
    h.get("x-link-password").and_then(|v| v.to_str().ok()).map(str::to_string)
}

/// `GET /api/v1/links/{token}`: what a link shows (password in the
/// `X-Link-Password` header when it has one).
pub async fn link(
    State(s): State<AppState>,
    Caller(ctx): Caller,
    Path(token): Path<String>,
    headers: HeaderMap,
) -> ApiResult<Json<Value>> {
    let l = s.app.open_link(&token, link_password(&headers).as_deref()).await?;
    if l.share.role == "upload" {
        return Ok(Json(json!({ "mode": "upload", "item": { "name": l.node.name, "dir": true } })));
    }
    let (me, children) = s.app.link_list(&ctx, &l).await?;
    Ok(Json(json!({
        "mode": "view",
        "item": node_json(&me),
        "children": children.iter().map(node_json).collect::<Vec<_>>(),
    })))
}

/// `GET /api/v1/links/{token}/content[?path=REL]`.
pub async fn link_download(
    State(s): State<AppState>,
    Caller(ctx): Caller,
    Path(token): Path<String>,
    Query(q): Query<OptPathQuery>,
    headers: HeaderMap,
) -> ApiResult<Response> {
    let l = s.app.open_link(&token, link_password(&headers).as_deref()).await?;
    let rel = q.path.unwrap_or_default();
    let size = s.app.link_stat(&ctx, &l, &rel).await?.size;
    let range = match parse_range(&headers, size) {
        Ok(r) => r,
        Err(()) => return Ok(unsatisfiable(size)),
    };
    let r = s.app.link_read(&ctx, &l, &rel, range).await?;
    Ok(stream_response(r, range.is_some(), false))
}

/// `PUT /api/v1/links/{token}/files/{name}`: upload through an upload link.
pub async fn link_upload(
    State(s): State<AppState>,
    Caller(ctx): Caller,
    Path((token, name)): Path<(String, String)>,
    req: Request,
) -> ApiResult<(StatusCode, Json<Value>)> {
    let l = s.app.open_link(&token, link_password(req.headers()).as_deref()).await?;
    let size = req.headers().get(header::CONTENT_LENGTH).and_then(|v| v.to_str().ok()).and_then(|v| v.parse().ok());
    let stream = req.into_body().into_data_stream().map_err(std::io::Error::other);
    let mut reader = tokio_util::io::StreamReader::new(stream);
    let n = s.app.link_upload(&ctx, &l, &name, &mut reader, size).await?;
    Ok((StatusCode::CREATED, Json(json!({ "name": n.name, "size": n.size }))))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SearchQuery {
    q: String,
    #[serde(default)]
    limit: Option<usize>,
}

/// `GET /api/v1/search/files?q=TEXT`: names and paths of files the caller
/// may read.
pub async fn search(
    State(s): State<AppState>,
    Caller(ctx): Caller,
    Query(q): Query<SearchQuery>,
) -> ApiResult<Json<Value>> {
    let hits = s.app.search_files(&ctx, &q.q, q.limit.unwrap_or(20)).await?;
    Ok(Json(json!({ "results": hits })))
}

#[cfg(test)]
mod tests {
    use super::parse_range;
    use axum::http::{header, HeaderMap, HeaderValue};

    fn range(v: &'static str, size: u64) -> Result<Option<(u64, u64)>, ()> {
        let mut h = HeaderMap::new();
        h.insert(header::RANGE, HeaderValue::from_static(v));
        parse_range(&h, size)
    }

    #[test]
    fn ranges_of_an_empty_file_are_unsatisfiable_not_a_panic() {
        // Found by the http_api fuzz target: `size - 1` underflowed.
        assert_eq!(range("bytes=4-9", 0), Err(()));
        assert_eq!(range("bytes=0-", 0), Err(()));
        assert_eq!(range("bytes=-5", 0), Err(()));
    }

    #[test]
    fn ranges_are_clamped_to_the_file() {
        assert_eq!(range("bytes=4-9", 6), Ok(Some((4, 2))));
        assert_eq!(range("bytes=-3", 10), Ok(Some((7, 3))));
        assert_eq!(range("bytes=5-", 10), Ok(Some((5, 5))));
        assert_eq!(range("bytes=10-", 10), Err(()));
    }
}
