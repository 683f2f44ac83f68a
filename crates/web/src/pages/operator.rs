//! The operator console (`/operator`): tenants with their counts, quotas
//! and suspension, the installation's health (the readiness check) and
//! the federation links. Every list and change is an operator service call
//! under its own action; the gate decides who is an operator.

use crate::extract::Form;
use crate::extract::Query;
use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use serde::Deserialize;
use suveren_api::AppState;
use suveren_policy::Action;
use suveren_service::{Ctx, ServiceError};

use super::{redirect, render, service_error, Chrome};
use crate::i18n::Arg;
use crate::Page;

pub struct TenantRow {
    pub id: String,
    pub name: String,
    pub domain: String,
    pub principals: String,
    pub quota: String,
    pub quota_gb: String,
    pub suspended: bool,
}

pub struct LinkRow {
    pub text: String,
    pub state: String,
}

#[derive(Template)]
#[template(path = "operator.html")]
struct OperatorPage {
    c: Chrome,
    healthy: bool,
    health: String,
    tenants: Vec<TenantRow>,
    links: Vec<LinkRow>,
    flash: Option<(bool, String)>,
}

#[derive(Deserialize, Default)]
pub struct OperatorQuery {
    #[serde(default)]
    ok: String,
}

/// `GET /operator`.
pub async fn index(State(s): State<AppState>, page: Page, Query(q): Query<OperatorQuery>) -> Response {
    let flash = match q.ok.as_str() {
        "suspended" | "resumed" | "quota" => Some((false, page.tr.get(&format!("operator-ok-{}", q.ok)))),
        _ => None,
    };
    show(&s, &page, flash).await
}

async fn show(s: &AppState, page: &Page, flash: Option<(bool, String)>) -> Response {
    let tr = page.tr;
    let mut list = match s.app.list_tenants(&Ctx { action: Action::TenantList, ..page.ctx.clone() }).await {
        Ok(v) => v,
        Err(e) => return service_error(tr, e),
    };
    list.sort_by(|a, b| a.tenant.name.cmp(&b.tenant.name));
    let snap = s.app.snapshot();
    let tname = |id: &str| snap.dir.tenants.get(id).map(|t| t.name.clone()).unwrap_or_else(|| id.to_string());
    let sname = |id: &str| snap.dir.segments.get(id).map(|s| s.name.clone()).unwrap_or_else(|| id.to_string());
    let links = match s.app.list_links(&Ctx { action: Action::FederationManage, ..page.ctx.clone() }).await {
        Ok(v) => v
            .into_iter()
            .map(|l| LinkRow {
                text: tr.args(
                    "operator-link",
                    &[
                        ("a", Arg::S(tname(&l.tenant_a))),
                        ("sa", Arg::S(sname(&l.segment_a))),
                        ("b", Arg::S(tname(&l.tenant_b))),
                        ("sb", Arg::S(sname(&l.segment_b))),
                    ],
                ),
                state: if l.active() {
                    tr.get("operator-link-active")
                } else {
                    tr.args(
                        "operator-link-waiting",
                        &[
                            ("a", Arg::S(tr.get(if l.consent_a { "operator-yes" } else { "operator-no" }))),
                            ("b", Arg::S(tr.get(if l.consent_b { "operator-yes" } else { "operator-no" }))),
                        ],
                    )
                },
            })
            .collect(),
        Err(e) => return service_error(tr, e),
    };
    // The same check as `/readyz`: the database answers.
    let healthy = s.app.store.ping().await.is_ok();
    let tenants = list
        .into_iter()
        .map(|t| TenantRow {
            principals: tr.number(t.principals as u64),
            quota: t.tenant.quota_bytes.map(|q| tr.bytes(q)).unwrap_or_else(|| tr.get("operator-no-quota")),
            quota_gb: t.tenant.quota_bytes.map(|q| (q / (1 << 30)).to_string()).unwrap_or_default(),
            id: t.tenant.id,
            name: t.tenant.name,
            domain: t.tenant.domain,
            suspended: t.tenant.suspended,
        })
        .collect();
    let c = Chrome::new(page, tr.get("operator-title"), "/operator");
    let err = flash.as_ref().is_some_and(|f| f.0);
    let mut r = render(&OperatorPage {
        c,
        healthy,
        health: tr.get(if healthy { "operator-healthy" } else { "operator-unhealthy" }),
        tenants,
        links,
        flash,
    });
    if err && r.status() == StatusCode::OK {
        *r.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
    }
    r
}

async fn refused(s: &AppState, page: &Page, e: ServiceError) -> Response {
    let text = match e {
        ServiceError::Denied(d) if !d.conceal => d.message,
        ServiceError::Invalid(m) | ServiceError::Conflict(m) => m,
        other => return service_error(page.tr, other),
    };
    show(s, page, Some((true, page.tr.args("operator-refused", &[("reason", Arg::S(text))])))).await
}

#[derive(Deserialize)]
pub struct SuspendForm {
    #[serde(default)]
    csrf: String,
    tenant: String,
    suspend: String,
}

/// `POST /operator/suspend`: suspend (`suspend=1`) or resume a tenant.
pub async fn suspend(State(s): State<AppState>, page: Page, Form(f): Form<SuspendForm>) -> Response {
    if let Some(r) = crate::check_csrf(&page, &f.csrf) {
        return r;
    }
    let on = f.suspend == "1";
    match s.app.update_tenant(&page.ctx, &f.tenant, Some(on), None).await {
        Ok(_) => redirect(if on { "/operator?ok=suspended" } else { "/operator?ok=resumed" }),
        Err(e) => refused(&s, &page, e).await,
    }
}

#[derive(Deserialize)]
pub struct QuotaForm {
    #[serde(default)]
    csrf: String,
    tenant: String,
    #[serde(default)]
    quota_gb: String,
}

/// `POST /operator/quota`: the tenant's quota in GiB (empty: none).
pub async fn quota(State(s): State<AppState>, page: Page, Form(f): Form<QuotaForm>) -> Response {
    if let Some(r) = crate::check_csrf(&page, &f.csrf) {
        return r;
    }
    let q = f.quota_gb.trim();
    let quota = if q.is_empty() {
        None
    } else {
        match q.parse::<u64>() {
            Ok(gb) if gb > 0 => Some(gb.saturating_mul(1 << 30)),
            _ => return refused(&s, &page, ServiceError::invalid(page.tr.get("operator-bad-quota"))).await,
        }
    };
    match s.app.update_tenant(&page.ctx, &f.tenant, None, Some(quota)).await {
        Ok(_) => redirect("/operator?ok=quota"),
        Err(e) => refused(&s, &page, e).await,
    }
}
