//! People search and lookup.

use axum::extract::{Path, State};
use axum::Json;
use serde::Deserialize;
use suveren_service::directory::{PersonHit, SearchPage};

use crate::error::ApiResult;
use crate::extract::{Caller, Query};
use crate::AppState;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SearchQuery {
    q: String,
    #[serde(default)]
    limit: Option<usize>,
    #[serde(default)]
    cursor: Option<String>,
}

/// `GET /api/v1/directory/search?q=TEXT[&limit=N][&cursor=C]`.
pub async fn search(
    State(s): State<AppState>,
    Caller(ctx): Caller,
    Query(q): Query<SearchQuery>,
) -> ApiResult<Json<SearchPage>> {
    Ok(Json(s.app.search(&ctx, &q.q, q.limit.unwrap_or(20), q.cursor.as_deref()).await?))
}

/// `GET /api/v1/directory/people/{login}`.
pub async fn person(
    State(s): State<AppState>,
    Caller(ctx): Caller,
    Path(login): Path<String>,
) -> ApiResult<Json<PersonHit>> {
    Ok(Json(s.app.person(&ctx, &login).await?))
}
