//! The operator console (`/operator`): tenants with their counts, quotas
//! and suspension, creating a tenant, one tenant's details and use
//! (`/operator/tenants/{tenant}`), the installation's health in plain words
//! (`/operator/health`), and the federation links: proposed by the operator,
//! opened only when both tenants' administrators consent (issue 3), removed
//! by the operator.
//!
//! Every list and change is the REST API's operation under its action:
//! `list_tenants` (`tenant.list`, `GET /api/v1/tenants`), `create_tenant`
//! (`tenant.create`, `POST /api/v1/tenants`), `update_tenant`
//! (`tenant.update`, `PATCH /api/v1/tenants/{t}`), `list_links`,
//! `create_link` and `delete_link` (`federation.manage`,
//! `/api/v1/federation`), `health` (`metrics.read`, `GET /api/v1/health`).
//! The gate decides who is an operator; a refusal is shown next to the form
//! it came from, with the service's reason.

use crate::extract::{Form, Path, Query};
use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use serde::Deserialize;
use suveren_api::AppState;
use suveren_domain::{Directory, FederationLink};
use suveren_policy::Action;
use suveren_service::directory::{LinkInput, PrincipalInput, TenantInput};
use suveren_service::installation::{Health, Job, State as HState};
use suveren_service::{Ctx, ServiceError};

use super::{redirect, render, service_error, Chrome};
use crate::i18n::{Arg, Tr};
use crate::Page;

/// The classification presets a new tenant can start from (the service's
/// `ClassificationScheme::preset` names).
pub const PRESETS: [&str; 3] = ["default", "norway", "sweden"];

pub struct TenantRow {
    pub id: String,
    pub name: String,
    pub href: String,
    pub domain: String,
    pub principals: String,
    pub quota: String,
    pub quota_gb: String,
    pub suspended: bool,
}

pub struct LinkRow {
    pub id: String,
    pub text: String,
    pub state: String,
    pub active: bool,
    pub allows: String,
}

/// One side a link can join: a segment of a tenant.
pub struct SideGroup {
    pub tenant: String,
    pub options: Vec<(String, String)>,
}

/// A message shown in one section after a form: success (status) or the
/// service's refusal (alert).
pub struct Flash {
    pub section: &'static str,
    pub text: String,
    pub error: bool,
}

/// What the operator typed into the create form, shown again when refused.
#[derive(Deserialize, Default)]
pub struct CreateForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    pub id: String,
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub domain: String,
    #[serde(default)]
    pub preset: String,
    #[serde(default)]
    pub quota_gb: String,
}

#[derive(Deserialize, Default)]
pub struct ProposeForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    pub side_a: String,
    #[serde(default)]
    pub side_b: String,
}

#[derive(Template)]
#[template(path = "operator.html")]
struct OperatorPage {
    c: Chrome,
    healthy: bool,
    health: String,
    health_state: String,
    tenants: Vec<TenantRow>,
    links: Vec<LinkRow>,
    sides: Vec<SideGroup>,
    presets: Vec<(&'static str, String)>,
    flash: Option<Flash>,
    create: CreateForm,
    propose: ProposeForm,
}

impl OperatorPage {
    fn flash_in(&self, section: &str) -> Option<&Flash> {
        self.flash.as_ref().filter(|f| f.section == section)
    }
}

#[derive(Deserialize, Default)]
pub struct OperatorQuery {
    #[serde(default)]
    ok: String,
}

fn ctx_for(page: &Page, action: Action) -> Ctx {
    Ctx { action, ..page.ctx.clone() }
}

/// The text of a refusal the page shows inline; anything else is an error
/// page of its own.
fn refusal_text(tr: Tr, e: &ServiceError) -> Option<String> {
    match e {
        ServiceError::Denied(d) if !d.conceal => Some(tr.denial(d)),
        ServiceError::Invalid(m) | ServiceError::Conflict(m) => Some(m.clone()),
        ServiceError::NotFound => Some(tr.get("error-not-found")),
        _ => None,
    }
}

pub(crate) fn tenant_name(dir: &Directory, id: &str) -> String {
    dir.tenants.get(id).map(|t| t.name.clone()).unwrap_or_else(|| id.to_string())
}

pub(crate) fn segment_name(dir: &Directory, id: &str) -> String {
    dir.segments.get(id).map(|s| s.name.clone()).unwrap_or_else(|| id.split_once(':').map_or(id, |x| x.1).to_string())
}

/// How many people of its tenant a segment holds now.
pub(crate) fn segment_size(dir: &Directory, id: &str) -> usize {
    dir.principals.values().filter(|p| !p.disabled && dir.in_segment(id, p)).count()
}

/// `A (segment) ↔ B (segment)`.
fn link_text(tr: Tr, dir: &Directory, l: &FederationLink) -> String {
    tr.args(
        "operator-link",
        &[
            ("a", Arg::S(tenant_name(dir, &l.tenant_a))),
            ("sa", Arg::S(segment_name(dir, &l.segment_a))),
            ("b", Arg::S(tenant_name(dir, &l.tenant_b))),
            ("sb", Arg::S(segment_name(dir, &l.segment_b))),
        ],
    )
}

/// Whose consent a link has, in words.
fn link_state(tr: Tr, dir: &Directory, l: &FederationLink) -> String {
    if l.active() {
        return tr.get("operator-link-active");
    }
    let missing: Vec<String> = [(l.consent_a, &l.tenant_a), (l.consent_b, &l.tenant_b)]
        .into_iter()
        .filter(|(c, _)| !c)
        .map(|(_, t)| tenant_name(dir, t))
        .collect();
    tr.args("op-link-waiting-for", &[("tenants", Arg::S(missing.join(&tr.get("op-and"))))])
}

/// What a link opens once active, for the operator (both sides' sizes).
fn link_allows(tr: Tr, dir: &Directory, l: &FederationLink) -> String {
    tr.args(
        "op-link-allows",
        &[
            ("sa", Arg::S(segment_name(dir, &l.segment_a))),
            ("a", Arg::S(tenant_name(dir, &l.tenant_a))),
            ("na", Arg::N(segment_size(dir, &l.segment_a) as f64)),
            ("sb", Arg::S(segment_name(dir, &l.segment_b))),
            ("b", Arg::S(tenant_name(dir, &l.tenant_b))),
            ("nb", Arg::N(segment_size(dir, &l.segment_b) as f64)),
        ],
    )
}

fn ok_flash(tr: Tr, ok: &str) -> Option<Flash> {
    let section = match ok {
        "suspended" | "resumed" | "quota" => "tenants",
        "created" => "create",
        "proposed" | "removed" => "links",
        _ => return None,
    };
    let id = match ok {
        "suspended" | "resumed" | "quota" => format!("operator-ok-{ok}"),
        other => format!("op-ok-{other}"),
    };
    Some(Flash { section, text: tr.get(&id), error: false })
}

/// `GET /operator`.
pub async fn index(State(s): State<AppState>, page: Page, Query(q): Query<OperatorQuery>) -> Response {
    let flash = ok_flash(page.tr, &q.ok);
    show(&s, &page, flash, CreateForm::default(), ProposeForm::default()).await
}

/// The plain-words sentence for the whole installation, after the
/// database's on the console.
fn overall(tr: Tr, h: &Health) -> String {
    tr.get(match h.state {
        HState::Ok => "op-health-all-ok",
        HState::Attention => "op-health-attention",
        HState::Failing => "op-health-failing",
    })
}

/// The same, on its own at the top of the health page.
fn summary(tr: Tr, h: &Health) -> String {
    tr.get(match h.state {
        HState::Ok => "op-health-sum-ok",
        HState::Attention => "op-health-sum-attention",
        HState::Failing => "op-health-sum-failing",
    })
}

async fn show(s: &AppState, page: &Page, flash: Option<Flash>, create: CreateForm, propose: ProposeForm) -> Response {
    let tr = page.tr;
    let mut list = match s.app.list_tenants(&ctx_for(page, Action::TenantList)).await {
        Ok(v) => v,
        Err(e) => return service_error(tr, e),
    };
    list.sort_by(|a, b| a.tenant.name.cmp(&b.tenant.name));
    let snap = s.app.snapshot();
    let dir = &snap.dir;
    let links = match s.app.list_links(&ctx_for(page, Action::FederationManage)).await {
        Ok(v) => v
            .iter()
            .map(|l| LinkRow {
                id: l.id.clone(),
                text: link_text(tr, dir, l),
                state: link_state(tr, dir, l),
                active: l.active(),
                allows: link_allows(tr, dir, l),
            })
            .collect(),
        Err(e) => return service_error(tr, e),
    };
    let health = match s.app.health(&ctx_for(page, Action::MetricsRead)).await {
        Ok(h) => h,
        Err(e) => return service_error(tr, e),
    };
    let healthy = health.database.state == HState::Ok;
    // The sides a link may join: every segment of every tenant, by tenant.
    let sides = list
        .iter()
        .map(|t| {
            let mut options: Vec<(String, String)> = dir
                .segments
                .values()
                .filter(|sg| sg.tenant == t.tenant.id)
                .map(|sg| {
                    (
                        format!("{}:{}", t.tenant.id, sg.name),
                        tr.args(
                            "op-side",
                            &[
                                ("tenant", Arg::S(t.tenant.name.clone())),
                                ("segment", Arg::S(sg.name.clone())),
                                ("count", Arg::N(segment_size(dir, &sg.id) as f64)),
                            ],
                        ),
                    )
                })
                .collect();
            options.sort();
            SideGroup { tenant: t.tenant.name.clone(), options }
        })
        .filter(|g| !g.options.is_empty())
        .collect();
    let tenants = list
        .into_iter()
        .map(|t| TenantRow {
            principals: tr.number(t.principals as u64),
            quota: t.tenant.quota_bytes.map(|q| tr.bytes(q)).unwrap_or_else(|| tr.get("operator-no-quota")),
            quota_gb: t.tenant.quota_bytes.map(|q| (q / (1 << 30)).to_string()).unwrap_or_default(),
            href: format!("/operator/tenants/{}", super::url_encode(&t.tenant.id)),
            id: t.tenant.id,
            name: t.tenant.name,
            domain: t.tenant.domain,
            suspended: t.tenant.suspended,
        })
        .collect();
    let c = Chrome::new(page, tr.get("operator-title"), "/operator");
    let err = flash.as_ref().is_some_and(|f| f.error);
    let mut r = render(&OperatorPage {
        c,
        healthy,
        health: tr.get(if healthy { "operator-healthy" } else { "operator-unhealthy" }),
        health_state: overall(tr, &health),
        tenants,
        links,
        sides,
        presets: PRESETS.iter().map(|p| (*p, tr.get(&format!("op-preset-{p}")))).collect(),
        flash,
        create,
        propose,
    });
    if err && r.status() == StatusCode::OK {
        *r.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
    }
    r
}

/// Shows the console again with a refusal in `section`.
async fn refused(
    s: &AppState,
    page: &Page,
    section: &'static str,
    e: ServiceError,
    create: CreateForm,
    propose: ProposeForm,
) -> Response {
    let Some(text) = refusal_text(page.tr, &e) else {
        return service_error(page.tr, e);
    };
    let flash = Flash { section, text: page.tr.args("operator-refused", &[("reason", Arg::S(text))]), error: true };
    show(s, page, Some(flash), create, propose).await
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
        Ok(_) => redirect(if on { "/operator?ok=suspended#tenants" } else { "/operator?ok=resumed#tenants" }),
        Err(e) => refused(&s, &page, "tenants", e, CreateForm::default(), ProposeForm::default()).await,
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

/// A quota field in GiB: empty is none; otherwise a positive whole number.
fn parse_quota(tr: Tr, q: &str) -> Result<Option<u64>, ServiceError> {
    let q = q.trim();
    if q.is_empty() {
        return Ok(None);
    }
    match q.parse::<u64>() {
        Ok(gb) if gb > 0 => Ok(Some(gb.saturating_mul(1 << 30))),
        _ => Err(ServiceError::invalid(tr.get("operator-bad-quota"))),
    }
}

/// `POST /operator/quota`: the tenant's quota in GiB (empty: none).
pub async fn quota(State(s): State<AppState>, page: Page, Form(f): Form<QuotaForm>) -> Response {
    if let Some(r) = crate::check_csrf(&page, &f.csrf) {
        return r;
    }
    let quota = match parse_quota(page.tr, &f.quota_gb) {
        Ok(q) => q,
        Err(e) => return refused(&s, &page, "tenants", e, CreateForm::default(), ProposeForm::default()).await,
    };
    match s.app.update_tenant(&page.ctx, &f.tenant, None, Some(quota)).await {
        Ok(_) => redirect("/operator?ok=quota#tenants"),
        Err(e) => refused(&s, &page, "tenants", e, CreateForm::default(), ProposeForm::default()).await,
    }
}

/// `POST /operator/tenants`: a new tenant (the API's `POST /api/v1/tenants`):
/// the service validates the slug, name, domain and preset and refuses a
/// taken id or domain; the form comes back filled in with the reason.
pub async fn create_tenant(State(s): State<AppState>, page: Page, Form(f): Form<CreateForm>) -> Response {
    if let Some(r) = crate::check_csrf(&page, &f.csrf) {
        return r;
    }
    let quota_bytes = match parse_quota(page.tr, &f.quota_gb) {
        Ok(q) => q,
        Err(e) => return refused(&s, &page, "create", e, f, ProposeForm::default()).await,
    };
    let inp = TenantInput {
        id: f.id.clone(),
        name: f.name.clone(),
        domain: f.domain.clone(),
        preset: Some(f.preset.trim().to_string()).filter(|p| !p.is_empty()),
        quota_bytes,
    };
    match s.app.create_tenant(&page.ctx, &inp).await {
        Ok(t) => redirect(&format!("/operator/tenants/{}?ok=created", super::url_encode(&t.id))),
        Err(e) => refused(&s, &page, "create", e, f, ProposeForm::default()).await,
    }
}

/// `tenant:segment` from a side's select.
fn side(v: &str) -> (String, String) {
    match v.split_once(':') {
        Some((t, sg)) => (t.to_string(), sg.to_string()),
        None => (v.to_string(), String::new()),
    }
}

/// `POST /operator/federation`: proposes a link between two segments of
/// two tenants (the API's `POST /api/v1/federation`). It opens nothing
/// until both tenants' administrators consent.
pub async fn propose_link(State(s): State<AppState>, page: Page, Form(f): Form<ProposeForm>) -> Response {
    if let Some(r) = crate::check_csrf(&page, &f.csrf) {
        return r;
    }
    let ((tenant_a, segment_a), (tenant_b, segment_b)) = (side(&f.side_a), side(&f.side_b));
    let inp = LinkInput { tenant_a, segment_a, tenant_b, segment_b };
    match s.app.create_link(&page.ctx, &inp).await {
        Ok(_) => redirect("/operator?ok=proposed#links"),
        Err(e) => refused(&s, &page, "links", e, CreateForm::default(), f).await,
    }
}

#[derive(Deserialize)]
pub struct RemoveForm {
    #[serde(default)]
    csrf: String,
    id: String,
}

/// `POST /operator/federation/remove`: removes a link, proposed or active
/// (the API's `DELETE /api/v1/federation/{id}`); discovery across it ends
/// at once.
pub async fn remove_link(State(s): State<AppState>, page: Page, Form(f): Form<RemoveForm>) -> Response {
    if let Some(r) = crate::check_csrf(&page, &f.csrf) {
        return r;
    }
    match s.app.delete_link(&page.ctx, &f.id).await {
        Ok(()) => redirect("/operator?ok=removed#links"),
        Err(e) => refused(&s, &page, "links", e, CreateForm::default(), ProposeForm::default()).await,
    }
}

// ---- one tenant -------------------------------------------------------------

pub struct Fact {
    pub term: String,
    pub value: String,
}

#[derive(Template)]
#[template(path = "operator_tenant.html")]
struct TenantPage {
    c: Chrome,
    flash: Option<(bool, String)>,
    facts: Vec<Fact>,
    usage: String,
    links: Vec<LinkRow>,
    /// Where the first administrator's form posts; none once it has one.
    bootstrap: Option<String>,
    admin: AdminForm,
}

/// The first administrator, as the operator typed it.
#[derive(Deserialize, Default)]
pub struct AdminForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    pub login: String,
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    password: String,
}

/// `GET /operator/tenants/{tenant}`: the tenant's settings and its use.
pub async fn tenant(
    State(s): State<AppState>,
    page: Page,
    Path(id): Path<String>,
    Query(q): Query<OperatorQuery>,
) -> Response {
    let flash = match q.ok.as_str() {
        "created" | "admin" => Some((false, page.tr.get(&format!("op-ok-{}", q.ok)))),
        _ => None,
    };
    show_tenant(&s, &page, &id, flash, AdminForm::default()).await
}

async fn show_tenant(s: &AppState, page: &Page, id: &str, flash: Option<(bool, String)>, admin: AdminForm) -> Response {
    let tr = page.tr;
    let d = match s.app.tenant_detail(&ctx_for(page, Action::TenantList), id).await {
        Ok(d) => d,
        Err(e) => return service_error(tr, e),
    };
    let snap = s.app.snapshot();
    let dir = &snap.dir;
    let t = &d.tenant;
    let preset = if PRESETS.contains(&t.scheme.preset.as_str()) { t.scheme.preset.as_str() } else { "custom" };
    let key = {
        let mut v = tr.get(&format!("admin-key-provider-{}", d.key.provider.as_str()));
        if d.key.locked {
            v = tr.args("op-key-locked", &[("provider", Arg::S(v))]);
        }
        if let Some(r) = &d.key.rotation {
            v = tr.args("op-key-rotating", &[("provider", Arg::S(v)), ("checked", Arg::N(r.checked as f64))]);
        }
        v
    };
    let facts = vec![
        Fact { term: tr.get("op-fact-id"), value: t.id.clone() },
        Fact { term: tr.get("operator-col-domain"), value: t.domain.clone() },
        Fact {
            term: tr.get("operator-col-state"),
            value: tr.get(if t.suspended { "operator-suspended" } else { "operator-active" }),
        },
        Fact { term: tr.get("op-fact-preset"), value: tr.get(&format!("op-preset-{preset}")) },
        Fact {
            term: tr.get("op-fact-levels"),
            value: t.scheme.levels.iter().map(|l| l.name.clone()).collect::<Vec<_>>().join(", "),
        },
        Fact { term: tr.get("operator-col-principals"), value: tr.number(d.principals as u64) },
        Fact { term: tr.get("op-fact-drives"), value: tr.number(d.drives as u64) },
        Fact { term: tr.get("op-fact-key"), value: key },
    ];
    let usage = match t.quota_bytes {
        Some(q) if q > 0 => tr.args(
            "op-usage-quota",
            &[
                ("used", Arg::S(tr.bytes(d.used_bytes))),
                ("quota", Arg::S(tr.bytes(q))),
                ("percent", Arg::N(((d.used_bytes as f64 / q as f64) * 100.0).round())),
            ],
        ),
        _ => tr.args("op-usage-no-quota", &[("used", Arg::S(tr.bytes(d.used_bytes)))]),
    };
    let links = d
        .links
        .iter()
        .map(|l| LinkRow {
            id: l.id.clone(),
            text: link_text(tr, dir, l),
            state: link_state(tr, dir, l),
            active: l.active(),
            allows: link_allows(tr, dir, l),
        })
        .collect();
    // Shown until the tenant has an administrator (the gate refuses more).
    let has_admin = dir.principals.values().any(|p| p.tenant == t.id && p.has_role(suveren_domain::Role::TenantAdmin));
    let bootstrap = (!has_admin).then(|| format!("/operator/tenants/{}/bootstrap-admin", super::url_encode(&t.id)));
    let err = flash.as_ref().is_some_and(|f| f.0);
    let c = Chrome::new(page, t.name.clone(), "/operator");
    let mut r = render(&TenantPage { c, flash, facts, usage, links, bootstrap, admin });
    if err && r.status() == StatusCode::OK {
        *r.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
    }
    r
}

/// `POST /operator/tenants/{tenant}/bootstrap-admin`: the tenant's first
/// administrator (the API's `POST /api/v1/tenants/{t}/bootstrap-admin`);
/// after that the tenant runs its own directory.
pub async fn bootstrap_admin(
    State(s): State<AppState>,
    page: Page,
    Path(id): Path<String>,
    Form(f): Form<AdminForm>,
) -> Response {
    if let Some(r) = crate::check_csrf(&page, &f.csrf) {
        return r;
    }
    let inp = PrincipalInput {
        login: f.login.clone(),
        name: f.name.clone(),
        email: None,
        kind: suveren_domain::PrincipalKind::Employee,
        org_unit: None,
        groups: Vec::new(),
        attributes: Default::default(),
        roles: Vec::new(),
        password: Some(f.password.clone()).filter(|p| !p.is_empty()),
    };
    match s.app.bootstrap_admin(&page.ctx, &id, &inp).await {
        Ok(_) => redirect(&format!("/operator/tenants/{}?ok=admin", super::url_encode(&id))),
        Err(e) => {
            let Some(text) = refusal_text(page.tr, &e) else {
                return service_error(page.tr, e);
            };
            let text = page.tr.args("operator-refused", &[("reason", Arg::S(text))]);
            show_tenant(&s, &page, &id, Some((true, text)), AdminForm { password: String::new(), ..f }).await
        }
    }
}

// ---- health -----------------------------------------------------------------

pub struct HealthLine {
    pub title: String,
    pub state: &'static str,
    pub state_text: String,
    pub lines: Vec<String>,
}

#[derive(Template)]
#[template(path = "operator_health.html")]
struct HealthPage {
    c: Chrome,
    summary: String,
    summary_state: &'static str,
    parts: Vec<HealthLine>,
}

/// The tag's class next to a part's heading.
fn state_class(s: HState) -> &'static str {
    match s {
        HState::Ok => "tag",
        HState::Attention | HState::Failing => "tag warn",
    }
}

/// The summary paragraph's class.
fn summary_class(s: HState) -> &'static str {
    match s {
        HState::Ok => "ok",
        HState::Attention => "notice",
        HState::Failing => "error",
    }
}

fn state_text(tr: Tr, s: HState) -> String {
    tr.get(match s {
        HState::Ok => "op-state-ok",
        HState::Attention => "op-state-attention",
        HState::Failing => "op-state-failing",
    })
}

/// `GET /operator/health`: what `GET /api/v1/health` reports, in words.
pub async fn health(State(s): State<AppState>, page: Page) -> Response {
    let tr = page.tr;
    let h = match s.app.health(&page.ctx).await {
        Ok(h) => h,
        Err(e) => return service_error(tr, e),
    };
    let mut parts = Vec::new();
    // The database.
    parts.push(HealthLine {
        title: tr.get("op-health-database"),
        state: state_class(h.database.state),
        state_text: state_text(tr, h.database.state),
        lines: vec![match &h.database.error {
            None => tr.get("operator-healthy"),
            Some(e) => tr.args("op-health-database-error", &[("error", Arg::S(e.clone()))]),
        }],
    });
    // The blob folder.
    let mut lines = vec![match &h.blobs.error {
        None => tr.args("op-health-blobs-ok", &[("path", Arg::S(h.blobs.path.clone()))]),
        Some(e) => {
            tr.args("op-health-blobs-error", &[("path", Arg::S(h.blobs.path.clone())), ("error", Arg::S(e.clone()))])
        }
    }];
    lines.push(tr.args(
        "op-health-blobs-stored",
        &[("bytes", Arg::S(tr.bytes(h.blobs.stored_bytes))), ("drives", Arg::N(h.blobs.drives as f64))],
    ));
    parts.push(HealthLine {
        title: tr.get("op-health-blobs"),
        state: state_class(h.blobs.state),
        state_text: state_text(tr, h.blobs.state),
        lines,
    });
    // The background jobs.
    let jobs_state = h.jobs.iter().map(|j| j.state).max().unwrap_or(HState::Ok);
    let mut lines = Vec::new();
    for j in &h.jobs {
        let name = tr.get(match j.job {
            Job::Upkeep => "op-job-upkeep",
            Job::Retention => "op-job-retention",
            Job::LockboxExpiry => "op-job-lockbox",
        });
        let mut line = match (j.last_run, j.starting) {
            (Some(t), _) if j.state == HState::Ok => {
                tr.args("op-job-ran", &[("job", Arg::S(name)), ("at", Arg::S(tr.datetime(t)))])
            }
            (Some(t), _) => tr.args("op-job-stalled", &[("job", Arg::S(name)), ("at", Arg::S(tr.datetime(t)))]),
            (None, true) => tr.args("op-job-starting", &[("job", Arg::S(name))]),
            (None, false) => tr.args("op-job-never", &[("job", Arg::S(name))]),
        };
        if let Some(n) = j.backlog {
            line.push(' ');
            line.push_str(&if n == 0 {
                tr.get("op-job-index-current")
            } else {
                tr.args("op-job-index-behind", &[("count", Arg::N(n as f64))])
            });
        }
        if j.in_progress == Some(true) {
            line.push(' ');
            line.push_str(&tr.get("op-job-retention-running"));
        }
        if let Some(n) = &j.runs_on {
            line.push(' ');
            line.push_str(&tr.args("op-job-runs-on", &[("node", Arg::S(n.clone()))]));
        }
        lines.push(line);
    }
    if let Some(n) = &h.node {
        lines.push(tr.args("op-health-this-node", &[("node", Arg::S(n.clone()))]));
    }
    parts.push(HealthLine {
        title: tr.get("op-health-jobs"),
        state: state_class(jobs_state),
        state_text: state_text(tr, jobs_state),
        lines,
    });
    // The key providers.
    let mut lines = vec![
        tr.get(if h.keys.master_key_file { "op-keys-master-ok" } else { "op-keys-master-missing" }),
        tr.get(if h.keys.pkcs11 { "op-keys-pkcs11-on" } else { "op-keys-pkcs11-off" }),
    ];
    for t in &h.keys.tenants {
        let provider = tr.get(&format!("admin-key-provider-{}", t.provider.as_str()));
        let args = [("tenant", Arg::S(t.name.clone())), ("provider", Arg::S(provider))];
        lines.push(if t.locked { tr.args("op-keys-tenant-locked", &args) } else { tr.args("op-keys-tenant", &args) });
        if let Some(n) = t.rotation_checked {
            lines.push(
                tr.args("op-keys-rotating", &[("tenant", Arg::S(t.name.clone())), ("checked", Arg::N(n as f64))]),
            );
        }
    }
    if h.keys.tenants.is_empty() {
        lines.push(tr.get("op-keys-all-master"));
    }
    parts.push(HealthLine {
        title: tr.get("op-health-keys"),
        state: state_class(h.keys.state),
        state_text: state_text(tr, h.keys.state),
        lines,
    });
    let c = Chrome::new(&page, tr.get("op-health-title"), "/operator");
    let mut r = render(&HealthPage { c, summary: summary(tr, &h), summary_state: summary_class(h.state), parts });
    if h.state == HState::Failing && r.status() == StatusCode::OK {
        *r.status_mut() = StatusCode::SERVICE_UNAVAILABLE;
    }
    r
}
