//! The lockbox pages (trust-model rule 4): requesters (operators, tenant
//! administrators) file and follow requests; approvers see their tenant's
//! queue with the scope in plain words and approve, deny or revoke with a
//! review note; everyone sees the grants that touched their content.
//!
//! The page decides nothing: the lockbox service asks the gate, and its
//! refusals (one's own request, already decided, expired) are shown inline
//! with the service's reason.

use crate::extract::Form;
use crate::extract::{Path, Query};
use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use serde::Deserialize;
use suveren_api::AppState;
use suveren_domain::lockbox::{LockboxAction, LockboxRequest, LockboxScope, Status, Verdict};
use suveren_domain::{Role, OPERATOR_REALM};
use suveren_policy::Action;
use suveren_service::lockbox::{NewRequest, ScopeInput};
use suveren_service::{Ctx, ServiceError};

use super::{redirect, render, service_error, Chrome};
use crate::i18n::{Arg, Tr};
use crate::Page;

/// One request as a row of the page.
pub struct ReqLine {
    pub id: String,
    pub tenant: String,
    pub scope: String,
    pub actions: String,
    pub reason: String,
    pub case_ref: String,
    pub requester: String,
    pub status: String,
    pub status_class: &'static str,
    pub approvals: String,
    pub created: String,
    pub minutes: String,
    pub expires: Option<String>,
    pub reviews: Vec<String>,
    pub pending: bool,
    pub active: bool,
}

/// What the filing form had, kept when it is refused.
#[derive(Default, Clone)]
pub struct Filled {
    pub tenant: String,
    pub scope_kind: String,
    pub target: String,
    pub list: bool,
    pub read: bool,
    pub reason: String,
    pub case_ref: String,
    pub minutes: String,
}

#[derive(Template)]
#[template(path = "lockbox.html")]
struct LockboxPage {
    c: Chrome,
    /// Some when the caller files requests: the tenants to choose from
    /// (id, name); one entry for a tenant administrator.
    tenants: Option<Vec<(String, String)>>,
    operator: bool,
    filled: Filled,
    mine: Vec<ReqLine>,
    queue: Option<Vec<ReqLine>>,
    notices: Vec<String>,
    error: Option<String>,
    done: Option<String>,
}

fn actions_text(tr: Tr, a: &[LockboxAction]) -> String {
    a.iter()
        .map(|a| tr.get(if *a == LockboxAction::List { "lb-action-list" } else { "lb-action-read" }))
        .collect::<Vec<_>>()
        .join(&tr.get("lb-and"))
}

/// The scope in plain words, in the reader's language.
pub fn scope_text(tr: Tr, s: &LockboxScope) -> String {
    match s {
        LockboxScope::DriveOf { login, .. } => tr.args("lb-scope-drive-of", &[("login", Arg::S(login.clone()))]),
        LockboxScope::Drive { name, .. } => tr.args("lb-scope-drive", &[("name", Arg::S(name.clone()))]),
        LockboxScope::Folder { label, .. } => tr.args("lb-scope-folder", &[("label", Arg::S(label.clone()))]),
    }
}

/// A notice carries its scope as the service described it (in English,
/// `LockboxScope::describe`); it is put back into the reader's language
/// when it has one of the known shapes.
fn described_scope(tr: Tr, described: &str) -> String {
    if let Some(login) = described.strip_prefix("the personal files of ") {
        return tr.args("lb-scope-drive-of", &[("login", Arg::S(login.to_string()))]);
    }
    if let Some(label) = described.strip_prefix("the folder ").and_then(|r| r.strip_suffix(" and everything in it")) {
        return tr.args("lb-scope-folder", &[("label", Arg::S(label.to_string()))]);
    }
    if let Some(name) = described.strip_prefix("the team drive ") {
        return tr.args("lb-scope-drive", &[("name", Arg::S(name.to_string()))]);
    }
    described.to_string()
}

fn line(tr: Tr, r: &LockboxRequest, tenant: String, now: i64) -> ReqLine {
    let st = r.status(now);
    let (status_id, status_class) = match st {
        Status::Pending => ("lb-status-pending", "st-pending"),
        Status::Active => ("lb-status-active", "st-active"),
        Status::Denied => ("lb-status-denied", "st-closed"),
        Status::Revoked => ("lb-status-revoked", "st-closed"),
        Status::Expired => ("lb-status-expired", "st-closed"),
    };
    let reviews = r
        .reviews
        .iter()
        .map(|v| {
            let id = if v.verdict == Verdict::Approve { "lb-review-approved" } else { "lb-review-denied" };
            tr.args(
                id,
                &[
                    ("who", Arg::S(v.by_login.clone())),
                    ("at", Arg::S(tr.datetime(v.at * 1000))),
                    ("note", Arg::S(v.note.clone())),
                ],
            )
        })
        .chain(r.revoke_note.iter().map(|n| {
            tr.args(
                "lb-review-revoked",
                &[("who", Arg::S(r.revoked_by.clone().unwrap_or_default())), ("note", Arg::S(n.clone()))],
            )
        }))
        .chain(r.withheld_reason.iter().map(|w| tr.args("lb-review-withheld", &[("reason", Arg::S(w.clone()))])))
        .collect();
    ReqLine {
        id: r.id.clone(),
        tenant,
        scope: scope_text(tr, &r.scope),
        actions: actions_text(tr, &r.actions),
        reason: r.reason.clone(),
        case_ref: r.case_ref.clone(),
        requester: r.requester_login.clone(),
        status: tr.get(status_id),
        status_class,
        approvals: tr
            .args("lb-approvals", &[("n", Arg::N(r.approvals() as f64)), ("m", Arg::N(f64::from(r.required.max(1))))]),
        created: tr.datetime(r.created * 1000),
        minutes: tr.args("lb-minutes-n", &[("n", Arg::N(f64::from(r.minutes)))]),
        expires: r.expires.filter(|_| st == Status::Active).map(|e| tr.datetime(e * 1000)),
        reviews,
        pending: st == Status::Pending,
        active: st == Status::Active,
    }
}

/// A refusal the page shows inline: its status and the service's words;
/// anything else is an error page.
fn refusal(tr: Tr, e: &ServiceError) -> Option<(StatusCode, String)> {
    match e {
        ServiceError::Denied(d) => {
            Some((StatusCode::FORBIDDEN, tr.args("error-denied", &[("reason", Arg::S(tr.denial(d)))])))
        }
        ServiceError::Conflict(m) => Some((StatusCode::CONFLICT, tr.said(m))),
        ServiceError::Invalid(m) => Some((StatusCode::UNPROCESSABLE_ENTITY, tr.said(m))),
        ServiceError::NotFound => Some((StatusCode::NOT_FOUND, tr.get("error-not-found"))),
        _ => None,
    }
}

async fn build(s: &AppState, page: &Page, error: Option<String>, done: Option<String>, filled: Filled) -> Response {
    let tr = page.tr;
    let Some(me) = page.ctx.actor.principal.clone() else {
        return redirect("/");
    };
    let snap = s.app.snapshot();
    let tenant_name = |id: &str| snap.dir.tenants.get(id).map(|t| t.name.clone()).unwrap_or_else(|| id.to_string());
    let operator = me.tenant == OPERATOR_REALM && me.has_role(Role::OperatorAdmin);
    let tenants = if operator {
        let ctx = Ctx { action: Action::TenantList, ..page.ctx.clone() };
        match s.app.list_tenants(&ctx).await {
            Ok(list) => {
                let mut v: Vec<_> = list.into_iter().map(|t| (t.tenant.id, t.tenant.name)).collect();
                v.sort_by(|a, b| a.1.cmp(&b.1));
                Some(v)
            }
            Err(e) => return service_error(tr, e),
        }
    } else if me.has_role(Role::TenantAdmin) {
        Some(vec![(me.tenant.clone(), tenant_name(&me.tenant))])
    } else {
        None
    };
    let now = s.app.clock.now();
    let lctx = Ctx { action: Action::LockboxView, ..page.ctx.clone() };
    let list = match s.app.lockbox_list(&lctx).await {
        Ok(l) => l,
        Err(e) => return service_error(tr, e),
    };
    let mine = list.iter().filter(|r| r.requester == me.id).map(|r| line(tr, r, tenant_name(&r.tenant), now)).collect();
    let queue = me.has_role(Role::LockboxApprover).then(|| {
        list.iter().filter(|r| r.tenant == me.tenant).map(|r| line(tr, r, tenant_name(&r.tenant), now)).collect()
    });
    let nctx = Ctx { action: Action::NoticeList, ..page.ctx.clone() };
    let notices = match s.app.notices(&nctx).await {
        Ok(v) => v
            .into_iter()
            .map(|n| {
                tr.args(
                    "lb-notice",
                    &[
                        ("who", Arg::S(n.requester)),
                        ("actions", Arg::S(actions_text(tr, &n.actions))),
                        ("scope", Arg::S(described_scope(tr, &n.scope))),
                        ("until", Arg::S(n.expires.map(|e| tr.datetime(e * 1000)).unwrap_or_default())),
                        ("case", Arg::S(n.case_ref)),
                        ("reason", Arg::S(n.reason)),
                    ],
                )
            })
            .collect(),
        Err(e) => return service_error(tr, e),
    };
    let mut filled = filled;
    if filled.minutes.is_empty() {
        filled.minutes = "60".into();
    }
    if filled.scope_kind.is_empty() {
        filled.scope_kind = "drive_of".into();
    }
    if !filled.list && !filled.read && error.is_none() {
        filled.list = true;
        filled.read = true;
    }
    let c = Chrome::new(page, tr.get("lb-title"), "/lockbox");
    render(&LockboxPage { c, tenants, operator, filled, mine, queue, notices, error, done })
}

#[derive(Deserialize)]
pub struct DoneQuery {
    #[serde(default)]
    done: Option<String>,
}

/// `GET /lockbox`.
pub async fn lockbox(State(s): State<AppState>, page: Page, Query(q): Query<DoneQuery>) -> Response {
    let done = q.done.as_deref().and_then(|d| match d {
        "filed" => Some("lb-done-filed"),
        "approved" => Some("lb-done-approved"),
        "denied" => Some("lb-done-denied"),
        "revoked" => Some("lb-done-revoked"),
        _ => None,
    });
    let done = done.map(|id| page.tr.get(id));
    build(&s, &page, None, done, Filled::default()).await
}

async fn refused(s: &AppState, page: &Page, e: ServiceError, filled: Filled) -> Response {
    match refusal(page.tr, &e) {
        Some((status, msg)) => {
            let mut r = build(s, page, Some(msg), None, filled).await;
            if r.status() == StatusCode::OK {
                *r.status_mut() = status;
            }
            r
        }
        None => service_error(page.tr, e),
    }
}

#[derive(Deserialize)]
pub struct FileForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    tenant: String,
    #[serde(default)]
    scope_kind: String,
    #[serde(default)]
    target: String,
    #[serde(default)]
    act_list: Option<String>,
    #[serde(default)]
    act_read: Option<String>,
    #[serde(default)]
    reason: String,
    #[serde(default)]
    case_ref: String,
    #[serde(default)]
    minutes: String,
}

/// `POST /lockbox/request`: files a request through the lockbox service.
pub async fn file(State(s): State<AppState>, page: Page, Form(f): Form<FileForm>) -> Response {
    if let Some(r) = crate::check_csrf(&page, &f.csrf) {
        return r;
    }
    let filled = Filled {
        tenant: f.tenant.clone(),
        scope_kind: f.scope_kind.clone(),
        target: f.target.clone(),
        list: f.act_list.is_some(),
        read: f.act_read.is_some(),
        reason: f.reason.clone(),
        case_ref: f.case_ref.clone(),
        minutes: f.minutes.clone(),
    };
    let target = f.target.trim().to_string();
    if target.is_empty() {
        let e = ServiceError::invalid(page.tr.get("lb-target-missing"));
        return refused(&s, &page, e, filled).await;
    }
    let scope = match f.scope_kind.as_str() {
        "drive" => ScopeInput::Drive(target),
        "folder" => ScopeInput::Folder(target),
        _ => ScopeInput::DriveOf(target),
    };
    let mut actions = Vec::new();
    if f.act_list.is_some() {
        actions.push(LockboxAction::List);
    }
    if f.act_read.is_some() {
        actions.push(LockboxAction::Read);
    }
    let input = NewRequest {
        tenant: f.tenant.trim().to_string(),
        scope,
        actions,
        reason: f.reason,
        case_ref: f.case_ref,
        // Not a number: the service names the allowed range.
        minutes: f.minutes.trim().parse().unwrap_or(0),
    };
    match s.app.lockbox_file(&page.ctx, input).await {
        Ok(_) => redirect("/lockbox?done=filed"),
        Err(e) => refused(&s, &page, e, filled).await,
    }
}

#[derive(Deserialize)]
pub struct DecideForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    note: String,
    #[serde(default)]
    withhold: String,
}

async fn decide(s: AppState, page: Page, id: String, f: DecideForm, done: &str) -> Response {
    if let Some(r) = crate::check_csrf(&page, &f.csrf) {
        return r;
    }
    let withhold = Some(f.withhold.trim()).filter(|w| !w.is_empty());
    match s.app.lockbox_decide(&page.ctx, &id, &f.note, withhold).await {
        Ok(_) => redirect(&format!("/lockbox?done={done}")),
        Err(e) => refused(&s, &page, e, Filled::default()).await,
    }
}

/// `POST /lockbox/{id}/approve` (declared `LockboxApprove`).
pub async fn approve(
    State(s): State<AppState>,
    page: Page,
    Path(id): Path<String>,
    Form(f): Form<DecideForm>,
) -> Response {
    decide(s, page, id, f, "approved").await
}

/// `POST /lockbox/{id}/deny` (declared `LockboxDeny`).
pub async fn deny(
    State(s): State<AppState>,
    page: Page,
    Path(id): Path<String>,
    Form(f): Form<DecideForm>,
) -> Response {
    let f = DecideForm { withhold: String::new(), ..f };
    decide(s, page, id, f, "denied").await
}

#[derive(Deserialize)]
pub struct NoteForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    note: String,
}

/// `POST /lockbox/{id}/revoke`: ends a live grant or withdraws a pending
/// request.
pub async fn revoke(
    State(s): State<AppState>,
    page: Page,
    Path(id): Path<String>,
    Form(f): Form<NoteForm>,
) -> Response {
    if let Some(r) = crate::check_csrf(&page, &f.csrf) {
        return r;
    }
    match s.app.lockbox_revoke(&page.ctx, &id, &f.note).await {
        Ok(_) => redirect("/lockbox?done=revoked"),
        Err(e) => refused(&s, &page, e, Filled::default()).await,
    }
}
