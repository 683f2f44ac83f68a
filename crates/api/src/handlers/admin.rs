//! Tenant administration and operator actions.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Json;
use serde::Deserialize;
use serde_json::{json, Value};
use suveren_domain::{ClassificationScheme, SegmentFilter};
use suveren_service::directory::{BarrierInput, LinkInput, PrincipalInput, PrincipalPatch, TenantInput};

use crate::error::ApiResult;
use crate::extract::{Body, Caller, Query, Text};
use crate::AppState;

type J = ApiResult<Json<Value>>;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Paging {
    #[serde(default)]
    offset: usize,
    #[serde(default)]
    limit: Option<usize>,
}

/// `GET /api/v1/tenants/{tenant}`.
pub async fn tenant_view(State(s): State<AppState>, Caller(ctx): Caller, Path(t): Path<String>) -> J {
    Ok(Json(json!(s.app.tenant_view(&ctx, &t).await?)))
}

/// `GET /api/v1/tenants/{tenant}/principals?offset=&limit=`.
pub async fn list_principals(
    State(s): State<AppState>,
    Caller(ctx): Caller,
    Path(t): Path<String>,
    Query(p): Query<Paging>,
) -> J {
    let list = s.app.list_principals(&ctx, &t, p.offset, p.limit.unwrap_or(100)).await?;
    Ok(Json(json!({"principals": list})))
}

/// `POST /api/v1/tenants/{tenant}/principals`.
pub async fn create_principal(
    State(s): State<AppState>,
    Caller(ctx): Caller,
    Path(t): Path<String>,
    Body(b): Body<PrincipalInput>,
) -> ApiResult<(StatusCode, Json<Value>)> {
    Ok((StatusCode::CREATED, Json(json!(s.app.create_principal(&ctx, &t, &b).await?))))
}

/// `PATCH /api/v1/tenants/{tenant}/principals/{login}`.
pub async fn update_principal(
    State(s): State<AppState>,
    Caller(ctx): Caller,
    Path((t, login)): Path<(String, String)>,
    Body(b): Body<PrincipalPatch>,
) -> J {
    Ok(Json(json!(s.app.update_principal(&ctx, &t, &login, &b).await?)))
}

/// `DELETE /api/v1/tenants/{tenant}/principals/{login}`.
pub async fn delete_principal(
    State(s): State<AppState>,
    Caller(ctx): Caller,
    Path((t, login)): Path<(String, String)>,
) -> ApiResult<StatusCode> {
    s.app.delete_principal(&ctx, &t, &login).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PathBody {
    path: String,
}

/// `GET /api/v1/tenants/{tenant}/org-units`.
pub async fn list_org_units(State(s): State<AppState>, Caller(ctx): Caller, Path(t): Path<String>) -> J {
    let units: Vec<Value> = s
        .app
        .list_org_units(&ctx, &t)
        .await?
        .into_iter()
        .map(|(path, u)| json!({"path": path, "name": u.name}))
        .collect();
    Ok(Json(json!({"org_units": units})))
}

/// `POST /api/v1/tenants/{tenant}/org-units` with `{"path": "Skole/X/8A"}`.
pub async fn create_org_unit(
    State(s): State<AppState>,
    Caller(ctx): Caller,
    Path(t): Path<String>,
    Body(b): Body<PathBody>,
) -> ApiResult<(StatusCode, Json<Value>)> {
    let u = s.app.create_org_unit(&ctx, &t, &b.path).await?;
    Ok((StatusCode::CREATED, Json(json!({"path": b.path.trim_matches('/'), "name": u.name}))))
}

/// `DELETE /api/v1/tenants/{tenant}/org-units?path=P`.
pub async fn delete_org_unit(
    State(s): State<AppState>,
    Caller(ctx): Caller,
    Path(t): Path<String>,
    Query(q): Query<PathBody>,
) -> ApiResult<StatusCode> {
    s.app.delete_org_unit(&ctx, &t, &q.path).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NameBody {
    name: String,
}

/// `GET /api/v1/tenants/{tenant}/groups`.
pub async fn list_groups(State(s): State<AppState>, Caller(ctx): Caller, Path(t): Path<String>) -> J {
    Ok(Json(json!({"groups": s.app.list_groups(&ctx, &t).await?})))
}

/// `POST /api/v1/tenants/{tenant}/groups`.
pub async fn create_group(
    State(s): State<AppState>,
    Caller(ctx): Caller,
    Path(t): Path<String>,
    Body(b): Body<NameBody>,
) -> ApiResult<(StatusCode, Json<Value>)> {
    Ok((StatusCode::CREATED, Json(json!(s.app.create_group(&ctx, &t, &b.name).await?))))
}

/// `DELETE /api/v1/tenants/{tenant}/groups/{name}`.
pub async fn delete_group(
    State(s): State<AppState>,
    Caller(ctx): Caller,
    Path((t, n)): Path<(String, String)>,
) -> ApiResult<StatusCode> {
    s.app.delete_group(&ctx, &t, &n).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SegmentBody {
    name: String,
    #[serde(default)]
    filter: SegmentFilter,
}

/// `GET /api/v1/tenants/{tenant}/segments`.
pub async fn list_segments(State(s): State<AppState>, Caller(ctx): Caller, Path(t): Path<String>) -> J {
    Ok(Json(json!({"segments": s.app.list_segments(&ctx, &t).await?})))
}

/// `POST /api/v1/tenants/{tenant}/segments`: `filter` names org units by path
/// and groups by name.
pub async fn create_segment(
    State(s): State<AppState>,
    Caller(ctx): Caller,
    Path(t): Path<String>,
    Body(b): Body<SegmentBody>,
) -> ApiResult<(StatusCode, Json<Value>)> {
    Ok((StatusCode::CREATED, Json(json!(s.app.create_segment(&ctx, &t, &b.name, &b.filter).await?))))
}

/// `DELETE /api/v1/tenants/{tenant}/segments/{name}`.
pub async fn delete_segment(
    State(s): State<AppState>,
    Caller(ctx): Caller,
    Path((t, n)): Path<(String, String)>,
) -> ApiResult<StatusCode> {
    s.app.delete_segment(&ctx, &t, &n).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// `GET /api/v1/tenants/{tenant}/barriers`.
pub async fn list_barriers(State(s): State<AppState>, Caller(ctx): Caller, Path(t): Path<String>) -> J {
    Ok(Json(json!({"barriers": s.app.list_barriers(&ctx, &t).await?})))
}

/// `POST /api/v1/tenants/{tenant}/barriers`: `{"rule": "block", "a", "b"}` or
/// `{"rule": "only-with", "a", "with": [...]}` with segment names.
pub async fn create_barrier(
    State(s): State<AppState>,
    Caller(ctx): Caller,
    Path(t): Path<String>,
    Body(b): Body<BarrierInput>,
) -> ApiResult<(StatusCode, Json<Value>)> {
    Ok((StatusCode::CREATED, Json(json!(s.app.create_barrier(&ctx, &t, &b).await?))))
}

/// `DELETE /api/v1/tenants/{tenant}/barriers/{id}`.
pub async fn delete_barrier(
    State(s): State<AppState>,
    Caller(ctx): Caller,
    Path((t, id)): Path<(String, String)>,
) -> ApiResult<StatusCode> {
    s.app.delete_barrier(&ctx, &t, &id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// `GET /api/v1/tenants/{tenant}/classification`.
pub async fn get_scheme(State(s): State<AppState>, Caller(ctx): Caller, Path(t): Path<String>) -> J {
    Ok(Json(json!(s.app.get_scheme(&ctx, &t).await?)))
}

#[derive(Deserialize)]
#[serde(untagged)]
pub enum SchemeBody {
    Preset {
        #[serde(rename = "use_preset")]
        preset: String,
    },
    Scheme(ClassificationScheme),
}

/// `PUT /api/v1/tenants/{tenant}/classification`: a whole scheme, or
/// `{"use_preset": "norway"}`.
pub async fn set_scheme(
    State(s): State<AppState>,
    Caller(ctx): Caller,
    Path(t): Path<String>,
    Body(b): Body<SchemeBody>,
) -> J {
    let scheme = match b {
        SchemeBody::Preset { preset } => ClassificationScheme::preset(&preset).ok_or_else(|| {
            crate::error::ApiError::bad_request(format!("Unknown preset `{preset}`; use default, norway or sweden."))
        })?,
        SchemeBody::Scheme(s) => s,
    };
    Ok(Json(json!(s.app.set_scheme(&ctx, &t, &scheme).await?)))
}

/// `GET /api/v1/tenants/{tenant}/federation`: links this tenant is part of.
pub async fn tenant_links(State(s): State<AppState>, Caller(ctx): Caller, Path(t): Path<String>) -> J {
    Ok(Json(json!({"links": s.app.tenant_links(&ctx, &t).await?})))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConsentBody {
    consent: bool,
}

/// `POST /api/v1/tenants/{tenant}/federation/{id}/consent`.
pub async fn consent_link(
    State(s): State<AppState>,
    Caller(ctx): Caller,
    Path((t, id)): Path<(String, String)>,
    Body(b): Body<ConsentBody>,
) -> J {
    Ok(Json(json!(s.app.consent_link(&ctx, &t, &id, b.consent).await?)))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ImportQuery {
    #[serde(default)]
    dry_run: bool,
}

/// `POST /api/v1/tenants/{tenant}/import?dry_run=true` with a `text/csv` body.
pub async fn import(
    State(s): State<AppState>,
    Caller(ctx): Caller,
    Path(t): Path<String>,
    Query(q): Query<ImportQuery>,
    Text(body): Text,
) -> J {
    Ok(Json(json!(s.app.import_csv(&ctx, &t, &body, q.dry_run).await?)))
}

// ---- operator ----------------------------------------------------------

/// `GET /api/v1/tenants`: tenants with counts.
pub async fn list_tenants(State(s): State<AppState>, Caller(ctx): Caller) -> J {
    Ok(Json(json!({"tenants": s.app.list_tenants(&ctx).await?})))
}

/// `POST /api/v1/tenants`.
pub async fn create_tenant(
    State(s): State<AppState>,
    Caller(ctx): Caller,
    Body(b): Body<TenantInput>,
) -> ApiResult<(StatusCode, Json<Value>)> {
    Ok((StatusCode::CREATED, Json(json!(s.app.create_tenant(&ctx, &b).await?))))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TenantPatch {
    #[serde(default)]
    suspended: Option<bool>,
    #[serde(default, with = "double_option")]
    quota_bytes: Option<Option<u64>>,
}

mod double_option {
    use serde::{Deserialize, Deserializer};
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Option<u64>>, D::Error> {
        Option::<u64>::deserialize(d).map(Some)
    }
}

/// `PATCH /api/v1/tenants/{tenant}`: suspend or set the quota.
pub async fn update_tenant(
    State(s): State<AppState>,
    Caller(ctx): Caller,
    Path(t): Path<String>,
    Body(b): Body<TenantPatch>,
) -> J {
    Ok(Json(json!(s.app.update_tenant(&ctx, &t, b.suspended, b.quota_bytes).await?)))
}

/// `POST /api/v1/tenants/{tenant}/bootstrap-admin`: the first administrator.
pub async fn bootstrap_admin(
    State(s): State<AppState>,
    Caller(ctx): Caller,
    Path(t): Path<String>,
    Body(b): Body<PrincipalInput>,
) -> ApiResult<(StatusCode, Json<Value>)> {
    Ok((StatusCode::CREATED, Json(json!(s.app.bootstrap_admin(&ctx, &t, &b).await?))))
}

/// `GET /api/v1/federation`.
pub async fn list_links(State(s): State<AppState>, Caller(ctx): Caller) -> J {
    Ok(Json(json!({"links": s.app.list_links(&ctx).await?})))
}

/// `POST /api/v1/federation`.
pub async fn create_link(
    State(s): State<AppState>,
    Caller(ctx): Caller,
    Body(b): Body<LinkInput>,
) -> ApiResult<(StatusCode, Json<Value>)> {
    Ok((StatusCode::CREATED, Json(json!(s.app.create_link(&ctx, &b).await?))))
}

/// `DELETE /api/v1/federation/{id}`.
pub async fn delete_link(
    State(s): State<AppState>,
    Caller(ctx): Caller,
    Path(id): Path<String>,
) -> ApiResult<StatusCode> {
    s.app.delete_link(&ctx, &id).await?;
    Ok(StatusCode::NO_CONTENT)
}
