//! People search: the same directory service as `/api/v1/directory/search`,
//! so only people the caller may discover appear (tenant isolation,
//! federation links and barriers are the gate's); a hidden match and no
//! match read the same.

use crate::extract::Query;
use askama::Template;
use axum::extract::State;
use axum::response::Response;
use serde::Deserialize;
use suveren_api::AppState;
use suveren_domain::PrincipalKind;
use suveren_service::ServiceError;

use super::{render, service_error, Chrome};
use crate::Page;

pub struct PersonLine {
    pub name: String,
    pub login: String,
    pub email: Option<String>,
    pub org_unit: Option<String>,
    pub kind: String,
    pub tenant: String,
}

#[derive(Template)]
#[template(path = "directory.html")]
struct DirectoryPage {
    c: Chrome,
    q: String,
    searched: bool,
    people: Vec<PersonLine>,
    next: Option<String>,
    error: Option<String>,
}

#[derive(Deserialize)]
pub struct SearchQuery {
    #[serde(default)]
    q: String,
    #[serde(default)]
    cursor: Option<String>,
}

/// `GET /directory?q=TEXT`.
pub async fn directory(State(s): State<AppState>, page: Page, Query(q): Query<SearchQuery>) -> Response {
    let tr = page.tr;
    let text = q.q.trim().to_string();
    let mut people = Vec::new();
    let mut next = None;
    let mut error = None;
    if !text.is_empty() {
        match s.app.search(&page.ctx, &text, 20, q.cursor.as_deref()).await {
            Ok(res) => {
                let snap = s.app.snapshot();
                for h in res.results {
                    let kind = tr.get(match h.kind {
                        PrincipalKind::Employee => "dir-kind-employee",
                        PrincipalKind::Pupil => "dir-kind-pupil",
                        PrincipalKind::Guest => "dir-kind-guest",
                        PrincipalKind::Service => "dir-kind-service",
                    });
                    let tenant = snap.dir.tenants.get(&h.tenant).map(|t| t.name.clone()).unwrap_or(h.tenant);
                    people.push(PersonLine {
                        name: h.name,
                        login: h.login,
                        email: h.email,
                        org_unit: h.org_unit,
                        kind,
                        tenant,
                    });
                }
                next = res
                    .next_cursor
                    .map(|c| format!("/directory?q={}&cursor={}", super::url_encode(&text), super::url_encode(&c)));
            }
            Err(ServiceError::Invalid(m)) => error = Some(m),
            Err(e) => return service_error(tr, e),
        }
    }
    let c = Chrome::new(&page, tr.get("dir-title"), "/directory");
    render(&DirectoryPage { c, searched: !text.is_empty(), q: text, people, next, error })
}
