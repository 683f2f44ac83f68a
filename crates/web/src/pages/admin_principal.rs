//! One principal of the administrator's tenant (`/admin/principals/{id}`):
//! what the directory holds about them, and the forms to change it (edit,
//! disable or enable, password reset, delete), the GDPR export (Art. 15/20)
//! and erasure (Art. 17) with the service's report of what was kept and why.
//! Also the caller's own export (`/settings/export`).
//!
//! Every form is one call to the directory, retention or export service
//! under the route's own action, so the gate decides it (role, second
//! factor, tenant) and the page only shows its answer; a refusal is shown
//! next to its form with the service's reason. A principal of another
//! tenant, or an id that does not exist, answers with the same "not found"
//! page (rule 1): the tenant is checked first, then the principal is looked
//! up within it only.

use std::collections::BTreeMap;

use askama::Template;
use axum::body::Body;
use axum::extract::State;
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use suveren_api::AppState;
use suveren_domain::retention::Keep;
use suveren_domain::{Principal, Role};
use suveren_policy::{Action, Resource};
use suveren_service::directory::PrincipalPatch;
use suveren_service::export::{ExportPlan, Subject, EXPECTED_BYTES_HEADER};
use suveren_service::retention::ErasureReport;
use suveren_service::{Ctx, ServiceError};

use super::{redirect, render, service_error, Chrome};
use crate::extract::{Form, Path, Query};
use crate::i18n::{Arg, Tr};
use crate::Page;

/// The roles a tenant administrator gives (operators belong to the
/// installation, never to a tenant).
const ROLES: [Role; 3] = [Role::TenantAdmin, Role::LockboxApprover, Role::Auditor];

/// What the page shows about the principal.
pub struct Detail {
    pub id: String,
    pub login: String,
    pub name: String,
    pub kind: String,
    pub org_unit: String,
    pub email: String,
    pub groups: Vec<String>,
    pub roles: Vec<String>,
    pub attributes: Vec<(String, String)>,
    pub disabled: bool,
    pub mfa: bool,
    pub is_me: bool,
}

/// The edit form's values: the principal's, or what was typed when the
/// service refused them.
pub struct EditValues {
    pub name: String,
    pub email: String,
    pub org_unit: String,
    pub groups: Vec<String>,
    pub roles: Vec<Role>,
    pub attributes: String,
}

/// A message in one section: success (status) or refusal (alert).
pub struct Flash {
    pub section: &'static str,
    pub text: String,
    pub error: bool,
}

pub struct KeptRow {
    pub path: String,
    pub size: String,
    pub trashed: bool,
    pub why: String,
}

/// Kept files the caller may not list (file names are content): a count
/// per drive and reason.
pub struct KeptCountRow {
    pub drive: String,
    pub files: String,
    /// "3 in the trash", when any are.
    pub trashed: Option<String>,
    pub size: String,
    pub why: String,
}

/// The service's erasure report, in the reader's language.
pub struct ReportView {
    pub heading: String,
    pub erased: Vec<(String, String)>,
    pub kept: Vec<KeptRow>,
    pub kept_counts: Vec<KeptCountRow>,
    pub notes: Vec<String>,
    pub dry_run: bool,
}

#[derive(Default)]
struct Extra {
    flash: Option<Flash>,
    values: Option<EditValues>,
    new_password: Option<String>,
    report: Option<ErasureReport>,
}

#[derive(Template)]
#[template(path = "admin_principal.html")]
struct PrincipalPage {
    c: Chrome,
    tenant_name: String,
    /// None once the principal is gone (deleted or erased).
    p: Option<Detail>,
    gone: Option<String>,
    flash: Option<Flash>,
    values: EditValues,
    org_units: Vec<String>,
    groups: Vec<String>,
    roles: Vec<(&'static str, String, bool)>,
    new_password: Option<String>,
    report: Option<ReportView>,
}

impl PrincipalPage {
    fn flash_in(&self, section: &str) -> Option<&Flash> {
        self.flash.as_ref().filter(|f| f.section == section)
    }
    fn in_group(&self, g: &str) -> bool {
        self.values.groups.iter().any(|x| x == g)
    }
    fn unit_selected(&self, u: &str) -> bool {
        self.values.org_unit == u
    }
}

fn ctx_for(page: &Page, action: Action) -> Ctx {
    Ctx { action, ..page.ctx.clone() }
}

fn tenant_of(page: &Page) -> String {
    page.ctx.actor.tenant().to_string()
}

fn strip<'a>(tenant: &str, id: &'a str) -> &'a str {
    id.strip_prefix(tenant).and_then(|r| r.strip_prefix(':')).unwrap_or(id)
}

fn role_label(tr: Tr, r: Role) -> String {
    tr.get(&format!("admin-role-{}", r.as_str().replace('_', "-")))
}

/// The gate first (the route's action on the caller's tenant: role, second
/// factor), then the principal within that tenant only, by id (or login).
/// Anything else is "not found", the same page as a missing id.
async fn resolve(s: &AppState, page: &Page, id: &str) -> Result<(String, Principal), Response> {
    let tenant = tenant_of(page);
    let info = s.app.tenant_view(&page.ctx, &tenant).await.map_err(|e| service_error(page.tr, e))?;
    let snap = s.app.snapshot();
    let found = snap
        .dir
        .principals
        .get(id)
        .or_else(|| snap.dir.principal_by_login(&id.trim().to_lowercase()))
        .filter(|p| p.tenant == tenant)
        .cloned();
    match found {
        Some(p) => Ok((info.tenant.name, p)),
        None => Err(service_error(page.tr, ServiceError::NotFound)),
    }
}

fn values_of(tenant: &str, dir: &suveren_domain::Directory, p: &Principal) -> EditValues {
    EditValues {
        name: p.name.clone(),
        email: p.email.clone().unwrap_or_default(),
        org_unit: p.org_unit.as_deref().map(|u| dir.unit_path(u)).unwrap_or_default(),
        groups: p.groups.iter().map(|g| strip(tenant, g).to_string()).collect(),
        roles: p.roles.clone(),
        attributes: p.attributes.iter().map(|(k, v)| format!("{k} = {v}")).collect::<Vec<_>>().join("\n"),
    }
}

fn report_view(tr: Tr, r: &ErasureReport) -> ReportView {
    let e = &r.erased;
    let n = |v: u64| tr.number(v);
    let yn = |b: bool| tr.get(if b { "admin-yes" } else { "admin-no" });
    let erased = vec![
        (tr.get("pr-erased-files"), n(e.files)),
        (tr.get("pr-erased-folders"), n(e.folders)),
        (tr.get("pr-erased-versions"), n(e.versions)),
        (tr.get("pr-erased-trash"), n(e.trash_entries)),
        (tr.get("pr-erased-bytes"), tr.bytes(e.bytes)),
        (tr.get("pr-erased-shares"), n(e.shares)),
        (tr.get("pr-erased-sessions"), n(e.sessions)),
        (tr.get("pr-erased-app-passwords"), n(e.app_passwords)),
        (tr.get("pr-erased-credential"), yn(e.credential)),
        (tr.get("pr-erased-record"), yn(e.principal_record)),
    ];
    let why = |k: &Keep| match k {
        Keep::Hold { case_ref, since, .. } => {
            tr.args("pr-kept-hold", &[("case", Arg::S(case_ref.clone())), ("since", Arg::S(tr.datetime(*since)))])
        }
        Keep::MinRetention { level, until, .. } => {
            tr.args("pr-kept-min", &[("level", Arg::S(level.clone())), ("until", Arg::S(tr.datetime(*until)))])
        }
    };
    let kept = r
        .kept
        .iter()
        .map(|k| KeptRow { path: k.path.clone(), size: tr.bytes(k.size), trashed: k.trashed, why: why(&k.reason) })
        .collect();
    let kept_counts = r
        .kept_counts
        .iter()
        .map(|g| KeptCountRow {
            drive: g.drive.clone(),
            files: n(g.files),
            trashed: (g.trashed > 0).then(|| tr.args("pr-kept-counted-trashed", &[("count", Arg::S(n(g.trashed)))])),
            size: tr.bytes(g.bytes),
            why: why(&g.reason),
        })
        .collect();
    let heading = tr.args(
        if r.dry_run { "pr-erase-report-dry" } else { "pr-erase-report-done" },
        &[("login", Arg::S(r.login.clone()))],
    );
    ReportView { heading, erased, kept, kept_counts, notes: r.notes.clone(), dry_run: r.dry_run }
}

/// The page for `p` (None: gone, with `gone` saying so).
async fn build(
    s: &AppState,
    page: &Page,
    tenant_name: String,
    p: Option<Principal>,
    gone: Option<String>,
    x: Extra,
) -> Response {
    let tr = page.tr;
    let tenant = tenant_of(page);
    let snap = s.app.snapshot();
    let dir = &snap.dir;
    let org_units = match s.app.list_org_units(&ctx_for(page, Action::OrgUnitManage), &tenant).await {
        Ok(v) => v.into_iter().map(|(path, _)| path).collect(),
        Err(e) => return service_error(tr, e),
    };
    let groups = match s.app.list_groups(&ctx_for(page, Action::GroupManage), &tenant).await {
        Ok(v) => v.into_iter().map(|g| g.name).collect(),
        Err(e) => return service_error(tr, e),
    };
    let me = page.ctx.actor.principal.as_ref().map(|m| m.id.clone()).unwrap_or_default();
    let (detail, values) = match &p {
        Some(p) => {
            let mfa = match s.app.has_totp(&p.id).await {
                Ok(b) => b,
                Err(e) => return service_error(tr, e),
            };
            let d = Detail {
                id: p.id.clone(),
                login: p.login.clone(),
                name: p.name.clone(),
                kind: tr.get(&format!("admin-kind-{}", p.kind.as_str())),
                org_unit: p.org_unit.as_deref().map(|u| dir.unit_path(u)).unwrap_or_default(),
                email: p.email.clone().unwrap_or_default(),
                groups: p.groups.iter().map(|g| strip(&tenant, g).to_string()).collect(),
                roles: p.roles.iter().map(|r| role_label(tr, *r)).collect(),
                attributes: p.attributes.iter().map(|(k, v)| (k.clone(), v.clone())).collect(),
                disabled: p.disabled,
                mfa,
                is_me: p.id == me,
            };
            let v = x.values.unwrap_or_else(|| values_of(&tenant, dir, p));
            (Some(d), v)
        }
        None => (
            None,
            EditValues {
                name: String::new(),
                email: String::new(),
                org_unit: String::new(),
                groups: Vec::new(),
                roles: Vec::new(),
                attributes: String::new(),
            },
        ),
    };
    let title = match &p {
        Some(p) => tr.args("pr-title", &[("name", Arg::S(p.name.clone()))]),
        None => tr.get("pr-title-gone"),
    };
    let roles = ROLES.iter().map(|r| (r.as_str(), role_label(tr, *r), values.roles.contains(r))).collect();
    let status = match &x.flash {
        Some(f) if f.error => StatusCode::UNPROCESSABLE_ENTITY,
        _ => StatusCode::OK,
    };
    let mut c = Chrome::new(page, title, "/admin");
    // Pages drawn after a POST come back to the principal (or the list)
    // on a language change, not to the form's address.
    c.here = p.as_ref().map(here).unwrap_or_else(|| "/admin".into());
    let mut r = render(&PrincipalPage {
        c,
        tenant_name,
        p: detail,
        gone,
        flash: x.flash,
        values,
        org_units,
        groups,
        roles,
        new_password: x.new_password,
        report: x.report.as_ref().map(|r| report_view(tr, r)),
    });
    if r.status() == StatusCode::OK {
        *r.status_mut() = status;
    }
    r
}

/// A refused form: the page again with the service's reason in the form's
/// section. Concealed refusals and internal errors keep their error page.
async fn refused(
    s: &AppState,
    page: &Page,
    tenant_name: String,
    p: Principal,
    section: &'static str,
    e: ServiceError,
    mut x: Extra,
) -> Response {
    let (status, text) = match e {
        ServiceError::Denied(d) if !d.conceal => (StatusCode::FORBIDDEN, page.tr.denial(&d)),
        ServiceError::Conflict(m) => (StatusCode::CONFLICT, m),
        ServiceError::Invalid(m) => (StatusCode::UNPROCESSABLE_ENTITY, m),
        ServiceError::Unavailable(m) => (StatusCode::SERVICE_UNAVAILABLE, m),
        other => return service_error(page.tr, other),
    };
    x.flash = Some(Flash { section, text: page.tr.args("admin-refused", &[("reason", Arg::S(text))]), error: true });
    let mut r = build(s, page, tenant_name, Some(p), None, x).await;
    if r.status() == StatusCode::UNPROCESSABLE_ENTITY {
        *r.status_mut() = status;
    }
    r
}

#[derive(Deserialize, Default)]
pub struct OkQuery {
    #[serde(default)]
    ok: String,
}

/// `GET /admin/principals/{id}`.
pub async fn show(State(s): State<AppState>, page: Page, Path(id): Path<String>, Query(q): Query<OkQuery>) -> Response {
    let (tenant_name, p) = match resolve(&s, &page, &id).await {
        Ok(v) => v,
        Err(r) => return r,
    };
    let flash = match q.ok.as_str() {
        "edited" => Some(("edit", "pr-ok-edited")),
        "disabled" => Some(("access", "pr-ok-disabled")),
        "enabled" => Some(("access", "pr-ok-enabled")),
        _ => None,
    }
    .map(|(section, id)| Flash { section, text: page.tr.get(id), error: false });
    build(&s, &page, tenant_name, Some(p), None, Extra { flash, ..Default::default() }).await
}

fn here(p: &Principal) -> String {
    format!("/admin/principals/{}", super::url_encode(&p.id))
}

/// The form as (name, value) pairs: checkboxes repeat their name.
type Pairs = Vec<(String, String)>;

fn field<'a>(f: &'a Pairs, name: &str) -> &'a str {
    f.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str()).unwrap_or("")
}

fn csrf_ok(page: &Page, f: &Pairs) -> Option<Response> {
    crate::check_csrf(page, field(f, "csrf"))
}

/// `key = value` lines; a line without `=` is refused with its number.
fn attributes(tr: Tr, text: &str) -> Result<BTreeMap<String, String>, String> {
    let mut out = BTreeMap::new();
    for (i, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() {
            continue;
        }
        let Some((k, v)) = line.split_once('=') else {
            return Err(tr.args("pr-bad-attribute", &[("line", Arg::N((i + 1) as f64))]));
        };
        out.insert(k.trim().to_string(), v.trim().to_string());
    }
    Ok(out)
}

/// `POST /admin/principals/{id}/edit`.
pub async fn edit(State(s): State<AppState>, page: Page, Path(id): Path<String>, Form(f): Form<Pairs>) -> Response {
    if let Some(r) = csrf_ok(&page, &f) {
        return r;
    }
    let (tenant_name, p) = match resolve(&s, &page, &id).await {
        Ok(v) => v,
        Err(r) => return r,
    };
    let values = EditValues {
        name: field(&f, "name").to_string(),
        email: field(&f, "email").to_string(),
        org_unit: field(&f, "org_unit").to_string(),
        groups: f.iter().filter(|(k, _)| k == "group").map(|(_, v)| v.clone()).collect(),
        roles: f.iter().filter(|(k, _)| k == "role").filter_map(|(_, v)| Role::parse(v)).collect(),
        attributes: field(&f, "attributes").to_string(),
    };
    let attrs = match attributes(page.tr, &values.attributes) {
        Ok(a) => a,
        Err(m) => {
            let x = Extra { values: Some(values), ..Default::default() };
            return refused(&s, &page, tenant_name, p, "edit", ServiceError::invalid(m), x).await;
        }
    };
    let patch = PrincipalPatch {
        name: Some(values.name.clone()),
        email: Some(values.email.clone()),
        org_unit: Some(values.org_unit.clone()),
        groups: Some(values.groups.clone()),
        attributes: Some(attrs),
        roles: Some(values.roles.clone()),
        ..Default::default()
    };
    match s.app.update_principal(&page.ctx, &tenant_of(&page), &p.login, &patch).await {
        Ok(_) => redirect(&format!("{}?ok=edited#edit", here(&p))),
        Err(e) => {
            let x = Extra { values: Some(values), ..Default::default() };
            refused(&s, &page, tenant_name, p, "edit", e, x).await
        }
    }
}

async fn set_disabled(s: &AppState, page: &Page, id: &str, f: &Pairs, disabled: bool) -> Response {
    if let Some(r) = csrf_ok(page, f) {
        return r;
    }
    let (tenant_name, p) = match resolve(s, page, id).await {
        Ok(v) => v,
        Err(r) => return r,
    };
    let patch = PrincipalPatch { disabled: Some(disabled), ..Default::default() };
    match s.app.update_principal(&page.ctx, &tenant_of(page), &p.login, &patch).await {
        Ok(_) => redirect(&format!("{}?ok={}#access", here(&p), if disabled { "disabled" } else { "enabled" })),
        Err(e) => refused(s, page, tenant_name, p, "access", e, Extra::default()).await,
    }
}

/// `POST /admin/principals/{id}/disable`: the account stops working and
/// every session of it ends (the service deletes them with the change).
pub async fn disable(State(s): State<AppState>, page: Page, Path(id): Path<String>, Form(f): Form<Pairs>) -> Response {
    set_disabled(&s, &page, &id, &f, true).await
}

/// `POST /admin/principals/{id}/enable`.
pub async fn enable(State(s): State<AppState>, page: Page, Path(id): Path<String>, Form(f): Form<Pairs>) -> Response {
    set_disabled(&s, &page, &id, &f, false).await
}

/// `POST /admin/principals/{id}/reset-password`: the service sets the new
/// password and ends every session. Left empty, the page makes one up (60
/// bits twice, from the recovery-code alphabet) and shows it this once; the
/// answer is the page itself, so it is never stored to be shown again.
pub async fn reset_password(
    State(s): State<AppState>,
    page: Page,
    Path(id): Path<String>,
    Form(f): Form<Pairs>,
) -> Response {
    if let Some(r) = csrf_ok(&page, &f) {
        return r;
    }
    let (tenant_name, p) = match resolve(&s, &page, &id).await {
        Ok(v) => v,
        Err(r) => return r,
    };
    let typed = field(&f, "password");
    let generated = typed.is_empty().then(|| suveren_identity::recovery::generate(2).join("-"));
    let pw = generated.clone().unwrap_or_else(|| typed.to_string());
    let patch = PrincipalPatch { password: Some(pw), ..Default::default() };
    match s.app.update_principal(&page.ctx, &tenant_of(&page), &p.login, &patch).await {
        Ok(updated) => {
            let flash = Flash { section: "access", text: page.tr.get("pr-ok-password"), error: false };
            let x = Extra { flash: Some(flash), new_password: generated, ..Default::default() };
            build(&s, &page, tenant_name, Some(updated), None, x).await
        }
        Err(e) => refused(&s, &page, tenant_name, p, "access", e, Extra::default()).await,
    }
}

/// Whether the confirm field names the principal (typed login, any case).
fn confirmed(f: &Pairs, p: &Principal) -> bool {
    field(f, "confirm").trim().to_lowercase() == p.login
}

/// `POST /admin/principals/{id}/delete`: only with the login typed again.
pub async fn delete(State(s): State<AppState>, page: Page, Path(id): Path<String>, Form(f): Form<Pairs>) -> Response {
    if let Some(r) = csrf_ok(&page, &f) {
        return r;
    }
    let (tenant_name, p) = match resolve(&s, &page, &id).await {
        Ok(v) => v,
        Err(r) => return r,
    };
    if !confirmed(&f, &p) {
        let m = page.tr.args("pr-confirm-mismatch", &[("login", Arg::S(p.login.clone()))]);
        return refused(&s, &page, tenant_name, p, "delete", ServiceError::invalid(m), Extra::default()).await;
    }
    match s.app.delete_principal(&page.ctx, &tenant_of(&page), &p.login).await {
        Ok(()) => {
            let gone = page.tr.args("pr-ok-deleted", &[("login", Arg::S(p.login.clone()))]);
            build(&s, &page, tenant_name, None, Some(gone), Extra::default()).await
        }
        Err(e) => refused(&s, &page, tenant_name, p, "delete", e, Extra::default()).await,
    }
}

/// `POST /admin/principals/{id}/erase`: GDPR Art. 17. With `dry_run`, the
/// service's report and nothing changed; otherwise only with the login
/// typed again, and the report of what was erased and what was kept (legal
/// holds, minimum retention) and why.
pub async fn erase(State(s): State<AppState>, page: Page, Path(id): Path<String>, Form(f): Form<Pairs>) -> Response {
    if let Some(r) = csrf_ok(&page, &f) {
        return r;
    }
    let (tenant_name, p) = match resolve(&s, &page, &id).await {
        Ok(v) => v,
        Err(r) => return r,
    };
    let dry = !field(&f, "dry_run").is_empty();
    if !dry && !confirmed(&f, &p) {
        let m = page.tr.args("pr-confirm-mismatch", &[("login", Arg::S(p.login.clone()))]);
        return refused(&s, &page, tenant_name, p, "gdpr", ServiceError::invalid(m), Extra::default()).await;
    }
    match s.app.erase_principal(&page.ctx, &tenant_of(&page), &p.login, dry).await {
        Ok(report) if dry => {
            build(&s, &page, tenant_name, Some(p), None, Extra { report: Some(report), ..Default::default() }).await
        }
        Ok(report) => {
            let gone = page.tr.args("pr-ok-erased", &[("login", Arg::S(p.login.clone()))]);
            build(&s, &page, tenant_name, None, Some(gone), Extra { report: Some(report), ..Default::default() }).await
        }
        Err(e) => refused(&s, &page, tenant_name, p, "gdpr", e, Extra::default()).await,
    }
}

/// The export as a streamed ZIP download, as the REST API serves it.
fn archive(s: &AppState, ctx: Ctx, plan: ExportPlan) -> Response {
    let expected = plan.expected_bytes;
    let disposition = format!("attachment; filename=\"{}\"", plan.file_name);
    let mut res = Body::from_stream(s.app.clone().export_stream(ctx, plan)).into_response();
    let h = res.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static("application/zip"));
    if let Ok(v) = HeaderValue::from_str(&disposition) {
        h.insert(header::CONTENT_DISPOSITION, v);
    }
    h.insert(EXPECTED_BYTES_HEADER, HeaderValue::from(expected));
    res
}

/// `GET /admin/principals/{id}/export`: GDPR export of a principal under
/// the administrator's rights: account data always, file names and
/// contents only where the gate lets the administrator list and read them
/// (a live lockbox grant); the rest is withheld in the manifest with the
/// reason.
pub async fn export(State(s): State<AppState>, page: Page, Path(id): Path<String>) -> Response {
    let (_, p) = match resolve(&s, &page, &id).await {
        Ok(v) => v,
        Err(r) => return r,
    };
    let tenant = tenant_of(&page);
    match s.app.export_plan(&page.ctx, Subject::Principal { tenant: &tenant, login: &p.login }).await {
        Ok(plan) => archive(&s, page.ctx.clone(), plan),
        Err(e) => service_error(page.tr, e),
    }
}

/// `GET /settings/export`: everything about the caller, with their files.
pub async fn export_me(State(s): State<AppState>, page: Page) -> Response {
    match s.app.export_plan(&page.ctx, Subject::Me).await {
        Ok(plan) => archive(&s, page.ctx.clone(), plan),
        Err(e) => service_error(page.tr, e),
    }
}

/// Whether the gate lets the caller export their own data (the settings
/// page offers the download only then). The policy's answer, asked the way
/// the export itself asks it.
pub fn may_export_self(s: &AppState, page: &Page) -> bool {
    let snap = s.app.snapshot();
    suveren_policy::authorize(&snap.dir, &page.ctx.actor, Action::DataExport, &Resource::Own, s.app.clock.now())
        .is_allow()
}
