//! A tenant administrator's federation links (`/admin/federation`): the
//! links the operator proposed for the administrator's own tenant, waiting
//! or active, each with what it opens in plain words and a form to consent
//! or to withdraw consent (issue 3: a link is active only while both
//! tenants' administrators consent).
//!
//! The list is `tenant_links` (`tenant.view`, `GET
//! /api/v1/tenants/{t}/federation`) and the forms are `consent_link`
//! (`federation.consent`, `POST /api/v1/tenants/{t}/federation/{id}/consent`):
//! the gate decides (role, second factor, tenant); a refusal is shown on
//! the page with its reason.

use crate::extract::{Form, Path, Query};
use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use serde::Deserialize;
use suveren_api::AppState;
use suveren_domain::{Directory, ExternalSharing, FederationLink};
use suveren_policy::Action;
use suveren_service::{Ctx, ServiceError};

use super::operator::{segment_name, segment_size, tenant_name};
use super::{redirect, render, service_error, Chrome};
use crate::i18n::{Arg, Tr};
use crate::Page;

pub struct LinkView {
    pub id: String,
    pub title: String,
    pub status: String,
    pub allows: Vec<String>,
    /// Whether this tenant has consented.
    pub ours: bool,
    pub active: bool,
}

#[derive(Template)]
#[template(path = "federation.html")]
struct FederationPage {
    c: Chrome,
    intro: String,
    flash: Option<(bool, String)>,
    waiting: Vec<LinkView>,
    active: Vec<LinkView>,
}

#[derive(Deserialize, Default)]
pub struct FedQuery {
    #[serde(default)]
    ok: String,
}

fn ctx_for(page: &Page, action: Action) -> Ctx {
    Ctx { action, ..page.ctx.clone() }
}

/// One link from the side of `tenant`: who joins whom, whose consent is
/// missing, and what it opens.
fn view(tr: Tr, dir: &Directory, tenant: &str, l: &FederationLink) -> LinkView {
    let (ours_seg, ours, other_t, other_seg, theirs) = if l.tenant_a == tenant {
        (&l.segment_a, l.consent_a, &l.tenant_b, &l.segment_b, l.consent_b)
    } else {
        (&l.segment_b, l.consent_b, &l.tenant_a, &l.segment_a, l.consent_a)
    };
    let (me, other) = (tenant_name(dir, tenant), tenant_name(dir, other_t));
    let title = tr.args(
        "fed-link-title",
        &[
            ("ours", Arg::S(segment_name(dir, ours_seg))),
            ("tenant", Arg::S(me.clone())),
            ("theirs", Arg::S(segment_name(dir, other_seg))),
            ("other", Arg::S(other.clone())),
        ],
    );
    let status = match (ours, theirs) {
        (true, true) => tr.get("fed-status-active"),
        (false, true) => tr.args("fed-status-waiting-us", &[("other", Arg::S(other.clone()))]),
        (true, false) => tr.args("fed-status-waiting-them", &[("other", Arg::S(other.clone()))]),
        (false, false) => tr.args("fed-status-waiting-both", &[("other", Arg::S(other.clone()))]),
    };
    // What it opens, from this tenant's own rules: who, and at which
    // levels content may be shared across.
    let levels: Vec<String> = dir
        .tenants
        .get(tenant)
        .map(|t| {
            t.scheme
                .levels
                .iter()
                .filter(|lv| matches!(lv.external_sharing, ExternalSharing::Any | ExternalSharing::FederatedOnly))
                .map(|lv| lv.name.clone())
                .collect()
        })
        .unwrap_or_default();
    let mut allows = vec![tr.args(
        "fed-allows-find",
        &[
            ("ours", Arg::S(segment_name(dir, ours_seg))),
            ("count", Arg::N(segment_size(dir, ours_seg) as f64)),
            ("tenant", Arg::S(me.clone())),
            ("theirs", Arg::S(segment_name(dir, other_seg))),
            ("other", Arg::S(other.clone())),
        ],
    )];
    allows.push(if levels.is_empty() {
        tr.get("fed-allows-no-share")
    } else {
        tr.args("fed-allows-share", &[("levels", Arg::S(levels.join(", ")))])
    });
    allows.push(tr.get("fed-allows-not"));
    LinkView { id: l.id.clone(), title, status, allows, ours, active: l.active() }
}

/// `GET /admin/federation`.
pub async fn index(State(s): State<AppState>, page: Page, Query(q): Query<FedQuery>) -> Response {
    let flash = match q.ok.as_str() {
        "consented" | "withdrawn" => Some((false, page.tr.get(&format!("fed-ok-{}", q.ok)))),
        _ => None,
    };
    show(&s, &page, flash).await
}

async fn show(s: &AppState, page: &Page, flash: Option<(bool, String)>) -> Response {
    let tr = page.tr;
    let tenant = page.ctx.actor.tenant().to_string();
    let links = match s.app.tenant_links(&ctx_for(page, Action::TenantView), &tenant).await {
        Ok(v) => v,
        Err(e) => return service_error(tr, e),
    };
    let snap = s.app.snapshot();
    let dir = &snap.dir;
    let (active, waiting): (Vec<LinkView>, Vec<LinkView>) =
        links.iter().map(|l| view(tr, dir, &tenant, l)).partition(|v| v.active);
    let c = Chrome::new(page, tr.get("fed-title"), "/admin");
    let err = flash.as_ref().is_some_and(|f| f.0);
    let mut r = render(&FederationPage {
        intro: tr.args("fed-intro", &[("tenant", Arg::S(tenant_name(dir, &tenant)))]),
        c,
        flash,
        waiting,
        active,
    });
    if err && r.status() == StatusCode::OK {
        *r.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
    }
    r
}

#[derive(Deserialize)]
pub struct ConsentForm {
    #[serde(default)]
    csrf: String,
    /// `1` to consent, `0` to withdraw.
    consent: String,
}

/// `POST /admin/federation/{id}/consent`: consent to a link of the
/// administrator's tenant, or withdraw consent (which closes an active
/// link at once).
pub async fn consent(
    State(s): State<AppState>,
    page: Page,
    Path(id): Path<String>,
    Form(f): Form<ConsentForm>,
) -> Response {
    if let Some(r) = crate::check_csrf(&page, &f.csrf) {
        return r;
    }
    let yes = f.consent == "1";
    let tenant = page.ctx.actor.tenant().to_string();
    match s.app.consent_link(&page.ctx, &tenant, &id, yes).await {
        Ok(_) => redirect(if yes { "/admin/federation?ok=consented" } else { "/admin/federation?ok=withdrawn" }),
        Err(e) => {
            let text = match &e {
                ServiceError::Denied(d) if !d.conceal => page.tr.denial(d),
                ServiceError::Invalid(m) | ServiceError::Conflict(m) => m.clone(),
                _ => return service_error(page.tr, e),
            };
            show(&s, &page, Some((true, page.tr.args("fed-refused", &[("reason", Arg::S(text))])))).await
        }
    }
}
