//! The tenant administrator's pages (`/admin`): principals, org units,
//! groups, segments and barrier rules with a "who can see whom" preview,
//! the classification scheme, CSV import with a dry run, lockbox settings,
//! legal holds and the tenant's key.
//!
//! Every list and every change is a call to the directory, import,
//! lockbox, retention or key service under that operation's own action, so
//! the gate decides each one (role, second factor, tenant) and the page
//! only shows its answer. A refused form is shown again with the service's
//! reason next to it.

use crate::extract::Form;
use crate::extract::Query;
use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use serde::Deserialize;
use suveren_api::AppState;
use suveren_domain::{BarrierKind, ExternalSharing, MailOutside, PrincipalKind, Role, SegmentFilter};
use suveren_policy::{Action, Actor, Resource, Via};
use suveren_service::directory::{BarrierInput, PrincipalInput};
use suveren_service::import::ImportReport;
use suveren_service::retention::{HoldInput, HoldTarget};
use suveren_service::{Ctx, ServiceError};

use super::{redirect, render, service_error, Chrome};
use crate::i18n::{Arg, Tr};
use crate::Page;

/// Principals per page of the list.
const PAGE: usize = 50;

pub struct PrincipalRow {
    pub id: String,
    pub login: String,
    pub name: String,
    pub kind: String,
    pub org_unit: String,
    pub roles: String,
    pub disabled: bool,
}

pub struct SegmentRow {
    pub name: String,
    pub filter: String,
}

pub struct BarrierRow {
    pub id: String,
    pub text: String,
}

pub struct LevelRow {
    pub rank: u8,
    pub name: String,
    pub colour: String,
    pub description: String,
    pub external: String,
    pub guests: String,
    pub links: String,
    pub mail: String,
    pub mfa: String,
    pub retention: String,
}

pub struct HoldRow {
    pub id: String,
    pub scope: String,
    pub case_ref: String,
    pub reason: String,
    pub created: String,
    pub released: Option<String>,
}

pub struct Preview {
    pub text: String,
    pub visible: Vec<(String, String)>,
    pub hidden: Vec<(String, String)>,
}

pub struct KeyView {
    pub provider: String,
    pub locked: bool,
    pub passphrase: bool,
    pub rotation: Option<String>,
}

pub struct LockboxForm {
    pub approvers: String,
    pub required: u8,
    pub max_minutes: u32,
    pub pending_minutes: u32,
    pub notify_users: bool,
}

/// A message shown in one section after a form: success (status) or the
/// service's refusal (alert).
pub struct Flash {
    pub section: &'static str,
    pub text: String,
    pub error: bool,
}

#[derive(Template)]
#[template(path = "admin.html")]
struct AdminPage {
    c: Chrome,
    intro: String,
    flash: Option<Flash>,
    principals: Vec<PrincipalRow>,
    caption: String,
    prev: Option<usize>,
    next: Option<usize>,
    kinds: Vec<(&'static str, String)>,
    roles: Vec<(&'static str, String)>,
    org_units: Vec<String>,
    groups: Vec<String>,
    segments: Vec<SegmentRow>,
    barriers: Vec<BarrierRow>,
    preview_login: String,
    preview: Option<Preview>,
    preview_missing: bool,
    levels: Vec<LevelRow>,
    import: Option<ImportReport>,
    import_text: String,
    lockbox: LockboxForm,
    holds: Vec<HoldRow>,
    key: Option<KeyView>,
}

impl AdminPage {
    fn flash_in(&self, section: &str) -> Option<&Flash> {
        self.flash.as_ref().filter(|f| f.section == section)
    }
}

#[derive(Deserialize, Default)]
pub struct AdminQuery {
    #[serde(default)]
    offset: usize,
    #[serde(default, rename = "as")]
    as_login: String,
    #[serde(default)]
    ok: String,
}

fn ctx_for(page: &Page, action: Action) -> Ctx {
    Ctx { action, ..page.ctx.clone() }
}

fn tenant_of(page: &Page) -> String {
    page.ctx.actor.tenant().to_string()
}

fn kind_label(tr: Tr, k: PrincipalKind) -> String {
    tr.get(&format!("admin-kind-{}", k.as_str()))
}

fn role_label(tr: Tr, r: Role) -> String {
    tr.get(&format!("admin-role-{}", r.as_str().replace('_', "-")))
}

fn yes_no(tr: Tr, b: bool) -> String {
    tr.get(if b { "admin-yes" } else { "admin-no" })
}

fn strip<'a>(tenant: &str, id: &'a str) -> &'a str {
    id.strip_prefix(tenant).and_then(|r| r.strip_prefix(':')).unwrap_or(id)
}

/// `GET /admin`.
pub async fn index(State(s): State<AppState>, page: Page, Query(q): Query<AdminQuery>) -> Response {
    let flash = ok_flash(page.tr, &q.ok);
    show(&s, &page, &q, flash, None, String::new()).await
}

fn ok_flash(tr: Tr, ok: &str) -> Option<Flash> {
    let section = match ok {
        "principal" => "principals",
        "group" | "org-unit" => "structure",
        "segment" | "segment-deleted" | "barrier" | "barrier-deleted" => "barriers",
        "lockbox" => "lockbox",
        "hold" | "hold-released" => "holds",
        "unlocked" => "keys",
        _ => return None,
    };
    Some(Flash { section, text: tr.get(&format!("admin-ok-{ok}")), error: false })
}

/// The whole page; forms that fail show it again with their reason.
async fn show(
    s: &AppState,
    page: &Page,
    q: &AdminQuery,
    flash: Option<Flash>,
    import: Option<ImportReport>,
    import_text: String,
) -> Response {
    let tr = page.tr;
    let tenant = tenant_of(page);
    // The gate first: who may administer this tenant is the service's
    // answer (role, second factor), shown with its reason when refused.
    let info = match s.app.tenant_view(&ctx_for(page, Action::TenantView), &tenant).await {
        Ok(i) => i,
        Err(e) => return service_error(tr, e),
    };
    let snap = s.app.snapshot();
    let dir = &snap.dir;
    let offset = q.offset;
    let list = match s.app.list_principals(&ctx_for(page, Action::PrincipalList), &tenant, offset, PAGE + 1).await {
        Ok(v) => v,
        Err(e) => return service_error(tr, e),
    };
    let next = (list.len() > PAGE).then_some(offset + PAGE);
    let principals: Vec<PrincipalRow> = list
        .iter()
        .take(PAGE)
        .map(|p| PrincipalRow {
            id: p.id.clone(),
            login: p.login.clone(),
            name: p.name.clone(),
            kind: kind_label(tr, p.kind),
            org_unit: p.org_unit.as_deref().map(|u| dir.unit_path(u)).unwrap_or_default(),
            roles: p.roles.iter().map(|r| role_label(tr, *r)).collect::<Vec<_>>().join(", "),
            disabled: p.disabled,
        })
        .collect();
    let org_units = match s.app.list_org_units(&ctx_for(page, Action::OrgUnitManage), &tenant).await {
        Ok(v) => v.into_iter().map(|(p, _)| p).collect(),
        Err(e) => return service_error(tr, e),
    };
    let groups = match s.app.list_groups(&ctx_for(page, Action::GroupManage), &tenant).await {
        Ok(v) => v.into_iter().map(|g| g.name).collect(),
        Err(e) => return service_error(tr, e),
    };
    let seg_name = |id: &str| dir.segments.get(id).map(|s| s.name.clone()).unwrap_or_else(|| strip(&tenant, id).into());
    let segments = match s.app.list_segments(&ctx_for(page, Action::SegmentManage), &tenant).await {
        Ok(v) => v
            .into_iter()
            .map(|sg| SegmentRow { filter: filter_text(tr, dir, &tenant, &sg.filter), name: sg.name })
            .collect(),
        Err(e) => return service_error(tr, e),
    };
    let barriers = match s.app.list_barriers(&ctx_for(page, Action::BarrierManage), &tenant).await {
        Ok(v) => v
            .into_iter()
            .map(|b| {
                let text = match &b.rule {
                    BarrierKind::Block { a, b } => {
                        tr.args("admin-barrier-block", &[("a", Arg::S(seg_name(a))), ("b", Arg::S(seg_name(b)))])
                    }
                    BarrierKind::OnlyWith { a, with } => tr.args(
                        "admin-barrier-only-with",
                        &[
                            ("a", Arg::S(seg_name(a))),
                            ("with", Arg::S(with.iter().map(|w| seg_name(w)).collect::<Vec<_>>().join(", "))),
                        ],
                    ),
                };
                BarrierRow { id: b.id, text }
            })
            .collect(),
        Err(e) => return service_error(tr, e),
    };
    // "Who can see whom": the gate's own discovery decision, asked for the
    // chosen person. No service answers "as another principal", so the
    // page asks `suveren_policy::authorize` (the function directory search
    // filters with) with an actor built for that person, over the same
    // snapshot. It decides nothing: it shows an administrator, who already
    // sees every principal of the tenant (the list above), what the rules
    // in the policy crate answer, so there is no second copy of a rule.
    let preview_login = q.as_login.trim().to_lowercase();
    let mut preview = None;
    let mut preview_missing = false;
    if !preview_login.is_empty() {
        match dir.principal_by_login(&preview_login).filter(|p| p.tenant == tenant) {
            Some(who) => {
                let actor = Actor { principal: Some(who.clone()), mfa: false, via: Via::Session, grants: Vec::new() };
                let now = s.app.clock.now();
                let mut others: Vec<_> =
                    dir.principals.values().filter(|p| p.tenant == tenant && p.id != who.id && !p.disabled).collect();
                others.sort_by(|a, b| a.name.cmp(&b.name));
                let (mut visible, mut hidden) = (Vec::new(), Vec::new());
                for o in others {
                    let line = (o.name.clone(), o.login.clone());
                    if suveren_policy::authorize(dir, &actor, Action::PrincipalView, &Resource::Principal(o), now)
                        .is_allow()
                    {
                        visible.push(line);
                    } else {
                        hidden.push(line);
                    }
                }
                let text = tr.args(
                    "admin-preview-result",
                    &[
                        ("name", Arg::S(who.name.clone())),
                        ("login", Arg::S(who.login.clone())),
                        ("visible", Arg::N(visible.len() as f64)),
                        ("hidden", Arg::N(hidden.len() as f64)),
                    ],
                );
                preview = Some(Preview { text, visible, hidden });
            }
            None => preview_missing = true,
        }
    }
    let levels = match s.app.get_scheme(&ctx_for(page, Action::ClassificationManage), &tenant).await {
        Ok(scheme) => scheme.levels.iter().map(|l| level_row(tr, l)).collect(),
        Err(e) => return service_error(tr, e),
    };
    let lockbox = match s.app.lockbox_settings(&ctx_for(page, Action::LockboxSettingsManage), &tenant).await {
        Ok(l) => LockboxForm {
            approvers: l
                .approvers
                .iter()
                .map(|id| dir.principals.get(id).map(|p| p.login.clone()).unwrap_or_else(|| id.clone()))
                .collect::<Vec<_>>()
                .join(", "),
            required: l.required,
            max_minutes: l.max_minutes,
            pending_minutes: l.pending_minutes,
            notify_users: l.notify_users,
        },
        Err(e) => return service_error(tr, e),
    };
    let holds = match s.app.list_holds(&ctx_for(page, Action::LegalHoldManage), &tenant).await {
        Ok(v) => v
            .into_iter()
            .map(|h| HoldRow {
                scope: match &h.scope {
                    suveren_domain::retention::HoldScope::Principal { login, .. } => {
                        tr.args("admin-hold-scope-principal", &[("login", Arg::S(login.clone()))])
                    }
                    suveren_domain::retention::HoldScope::Drive { drive } => {
                        tr.args("admin-hold-scope-drive", &[("drive", Arg::S(drive.clone()))])
                    }
                    suveren_domain::retention::HoldScope::Folder { drive, path } => tr.args(
                        "admin-hold-scope-folder",
                        &[("drive", Arg::S(drive.clone())), ("path", Arg::S(path.clone()))],
                    ),
                },
                case_ref: h.case_ref,
                reason: h.reason,
                created: tr.args(
                    "admin-hold-created",
                    &[("by", Arg::S(h.created_by)), ("at", Arg::S(tr.datetime(h.created)))],
                ),
                released: h.released.map(|r| {
                    tr.args(
                        "admin-hold-released",
                        &[("by", Arg::S(r.by)), ("at", Arg::S(tr.datetime(r.at))), ("note", Arg::S(r.note))],
                    )
                }),
                id: h.id,
            })
            .collect(),
        Err(e) => return service_error(tr, e),
    };
    let key = match s.app.key_status(&ctx_for(page, Action::KeyManage), &tenant).await {
        Ok(k) => Some(KeyView {
            provider: tr.get(&format!("admin-key-provider-{}", k.provider.as_str())),
            locked: k.locked,
            passphrase: k.provider.as_str() == "passphrase",
            rotation: k.rotation.map(|r| {
                tr.args(
                    "admin-key-rotating",
                    &[("checked", Arg::N(r.checked as f64)), ("pass", Arg::N(f64::from(r.pass)))],
                )
            }),
        }),
        Err(e) => return service_error(tr, e),
    };
    let c = Chrome::new(page, tr.get("admin-title"), "/admin");
    let status = match &flash {
        Some(f) if f.error => StatusCode::UNPROCESSABLE_ENTITY,
        _ => StatusCode::OK,
    };
    let mut r = render(&AdminPage {
        intro: tr.args(
            "admin-intro",
            &[("tenant", Arg::S(info.tenant.name.clone())), ("count", Arg::N(info.principals as f64))],
        ),
        c,
        flash,
        caption: tr.args(
            "admin-principals-caption",
            &[
                ("from", Arg::N((offset + 1).min(offset + principals.len()) as f64)),
                ("to", Arg::N((offset + principals.len()) as f64)),
                ("total", Arg::N(info.principals as f64)),
            ],
        ),
        principals,
        prev: (offset > 0).then(|| offset.saturating_sub(PAGE)),
        next,
        kinds: PrincipalKind::ALL.iter().map(|k| (k.as_str(), kind_label(tr, *k))).collect(),
        roles: [Role::TenantAdmin, Role::LockboxApprover, Role::Auditor]
            .iter()
            .map(|r| (r.as_str(), role_label(tr, *r)))
            .collect(),
        org_units,
        groups,
        segments,
        barriers,
        preview_login,
        preview,
        preview_missing,
        levels,
        import,
        import_text,
        lockbox,
        holds,
        key,
    });
    if r.status() == StatusCode::OK {
        *r.status_mut() = status;
    }
    r
}

fn filter_text(tr: Tr, dir: &suveren_domain::Directory, tenant: &str, f: &SegmentFilter) -> String {
    let mut parts = Vec::new();
    if !f.kinds.is_empty() {
        let k = f.kinds.iter().map(|k| kind_label(tr, *k)).collect::<Vec<_>>().join(", ");
        parts.push(tr.args("admin-filter-kinds", &[("kinds", Arg::S(k))]));
    }
    if let Some(u) = &f.org_unit {
        parts.push(tr.args("admin-filter-unit", &[("unit", Arg::S(dir.unit_path(u)))]));
    }
    if !f.groups.is_empty() {
        let g = f.groups.iter().map(|g| strip(tenant, g).to_string()).collect::<Vec<_>>().join(", ");
        parts.push(tr.args("admin-filter-groups", &[("groups", Arg::S(g))]));
    }
    for (k, v) in &f.attributes {
        parts.push(format!("{k} = {v}"));
    }
    if parts.is_empty() {
        tr.get("admin-filter-everyone")
    } else {
        parts.join("; ")
    }
}

fn level_row(tr: Tr, l: &suveren_domain::Level) -> LevelRow {
    let external = match l.external_sharing {
        ExternalSharing::Any => "admin-ext-any",
        ExternalSharing::FederatedOnly => "admin-ext-federated",
        ExternalSharing::None => "admin-ext-none",
    };
    let mail = match l.mail_outside {
        MailOutside::Allow => "admin-mail-allow",
        MailOutside::WarnConfirm => "admin-mail-warn",
        MailOutside::Block => "admin-mail-block",
    };
    let r = l.retention_rules();
    let mut ret = Vec::new();
    if let Some(d) = r.file_min_days {
        ret.push(tr.args("admin-ret-min", &[("days", Arg::N(f64::from(d)))]));
    }
    if let Some(d) = r.file_max_days {
        ret.push(tr.args("admin-ret-max", &[("days", Arg::N(f64::from(d)))]));
    }
    ret.push(tr.args("admin-ret-versions", &[("days", Arg::N(f64::from(r.version_max_days)))]));
    ret.push(tr.args("admin-ret-trash", &[("days", Arg::N(f64::from(r.trash_days)))]));
    LevelRow {
        rank: l.rank,
        name: l.name.clone(),
        colour: l.colour.clone(),
        description: l.description.clone(),
        external: tr.get(external),
        guests: yes_no(tr, l.guests),
        links: yes_no(tr, l.public_links),
        mail: tr.get(mail),
        mfa: yes_no(tr, l.mfa),
        retention: ret.join("; "),
    }
}

/// A failed form: the page again, with the service's reason in the form's
/// section. Concealed refusals and internal errors keep their error page.
async fn refused(s: &AppState, page: &Page, section: &'static str, e: ServiceError) -> Response {
    let text = match e {
        ServiceError::Denied(d) if !d.conceal => page.tr.denial(&d),
        ServiceError::Invalid(m) | ServiceError::Conflict(m) | ServiceError::Unavailable(m) => page.tr.said(&m),
        other => return service_error(page.tr, other),
    };
    let flash = Flash { section, text: page.tr.args("admin-refused", &[("reason", Arg::S(text))]), error: true };
    show(s, page, &AdminQuery::default(), Some(flash), None, String::new()).await
}

fn list(s: &str) -> Vec<String> {
    s.split([',', ';', '\n']).map(str::trim).filter(|x| !x.is_empty()).map(str::to_string).collect()
}

#[derive(Deserialize)]
pub struct PrincipalForm {
    #[serde(default)]
    csrf: String,
    login: String,
    name: String,
    #[serde(default)]
    email: String,
    kind: String,
    #[serde(default)]
    org_unit: String,
    #[serde(default)]
    groups: String,
    #[serde(default)]
    role_tenant_admin: Option<String>,
    #[serde(default)]
    role_lockbox_approver: Option<String>,
    #[serde(default)]
    role_auditor: Option<String>,
    #[serde(default)]
    password: String,
}

/// `POST /admin/principals`.
pub async fn create_principal(State(s): State<AppState>, page: Page, Form(f): Form<PrincipalForm>) -> Response {
    if let Some(r) = crate::check_csrf(&page, &f.csrf) {
        return r;
    }
    let Some(kind) = PrincipalKind::parse(&f.kind) else {
        return refused(&s, &page, "principals", ServiceError::invalid(page.tr.get("admin-bad-kind"))).await;
    };
    let mut roles = Vec::new();
    for (on, r) in [
        (&f.role_tenant_admin, Role::TenantAdmin),
        (&f.role_lockbox_approver, Role::LockboxApprover),
        (&f.role_auditor, Role::Auditor),
    ] {
        if on.is_some() {
            roles.push(r);
        }
    }
    let inp = PrincipalInput {
        login: f.login,
        name: f.name,
        email: Some(f.email).filter(|e| !e.trim().is_empty()),
        kind,
        org_unit: Some(f.org_unit).filter(|u| !u.trim().is_empty()),
        groups: list(&f.groups),
        attributes: Default::default(),
        roles,
        password: Some(f.password).filter(|p| !p.is_empty()),
    };
    match s.app.create_principal(&page.ctx, &tenant_of(&page), &inp).await {
        Ok(_) => redirect("/admin?ok=principal#principals"),
        Err(e) => refused(&s, &page, "principals", e).await,
    }
}

#[derive(Deserialize)]
pub struct NameForm {
    #[serde(default)]
    csrf: String,
    name: String,
}

/// `POST /admin/groups`.
pub async fn create_group(State(s): State<AppState>, page: Page, Form(f): Form<NameForm>) -> Response {
    if let Some(r) = crate::check_csrf(&page, &f.csrf) {
        return r;
    }
    match s.app.create_group(&page.ctx, &tenant_of(&page), &f.name).await {
        Ok(_) => redirect("/admin?ok=group#structure"),
        Err(e) => refused(&s, &page, "structure", e).await,
    }
}

/// `POST /admin/org-units` (the field `name` is the path, e.g. `Skole/X/8A`).
pub async fn create_org_unit(State(s): State<AppState>, page: Page, Form(f): Form<NameForm>) -> Response {
    if let Some(r) = crate::check_csrf(&page, &f.csrf) {
        return r;
    }
    match s.app.create_org_unit(&page.ctx, &tenant_of(&page), &f.name).await {
        Ok(_) => redirect("/admin?ok=org-unit#structure"),
        Err(e) => refused(&s, &page, "structure", e).await,
    }
}

#[derive(Deserialize)]
pub struct SegmentForm {
    #[serde(default)]
    csrf: String,
    name: String,
    #[serde(default)]
    kind: String,
    #[serde(default)]
    org_unit: String,
    #[serde(default)]
    groups: String,
}

/// `POST /admin/segments`.
pub async fn create_segment(State(s): State<AppState>, page: Page, Form(f): Form<SegmentForm>) -> Response {
    if let Some(r) = crate::check_csrf(&page, &f.csrf) {
        return r;
    }
    let filter = SegmentFilter {
        kinds: PrincipalKind::parse(f.kind.trim()).into_iter().collect(),
        org_unit: Some(f.org_unit.trim().to_string()).filter(|u| !u.is_empty()),
        groups: list(&f.groups),
        attributes: Default::default(),
    };
    match s.app.create_segment(&page.ctx, &tenant_of(&page), &f.name, &filter).await {
        Ok(_) => redirect("/admin?ok=segment#barriers"),
        Err(e) => refused(&s, &page, "barriers", e).await,
    }
}

/// `POST /admin/segments/delete`.
pub async fn delete_segment(State(s): State<AppState>, page: Page, Form(f): Form<NameForm>) -> Response {
    if let Some(r) = crate::check_csrf(&page, &f.csrf) {
        return r;
    }
    match s.app.delete_segment(&page.ctx, &tenant_of(&page), &f.name).await {
        Ok(()) => redirect("/admin?ok=segment-deleted#barriers"),
        Err(e) => refused(&s, &page, "barriers", e).await,
    }
}

#[derive(Deserialize)]
pub struct BarrierForm {
    #[serde(default)]
    csrf: String,
    rule: String,
    a: String,
    #[serde(default)]
    b: String,
}

/// `POST /admin/barriers`: `block` (a, b) or `only-with` (a, list in b).
pub async fn create_barrier(State(s): State<AppState>, page: Page, Form(f): Form<BarrierForm>) -> Response {
    if let Some(r) = crate::check_csrf(&page, &f.csrf) {
        return r;
    }
    let inp = if f.rule == "only-with" {
        BarrierInput { rule: f.rule, a: f.a.trim().into(), b: None, with: list(&f.b) }
    } else {
        BarrierInput { rule: f.rule, a: f.a.trim().into(), b: Some(f.b.trim().into()), with: Vec::new() }
    };
    match s.app.create_barrier(&page.ctx, &tenant_of(&page), &inp).await {
        Ok(_) => redirect("/admin?ok=barrier#barriers"),
        Err(e) => refused(&s, &page, "barriers", e).await,
    }
}

#[derive(Deserialize)]
pub struct IdForm {
    #[serde(default)]
    csrf: String,
    id: String,
    #[serde(default)]
    note: String,
}

/// `POST /admin/barriers/delete`.
pub async fn delete_barrier(State(s): State<AppState>, page: Page, Form(f): Form<IdForm>) -> Response {
    if let Some(r) = crate::check_csrf(&page, &f.csrf) {
        return r;
    }
    match s.app.delete_barrier(&page.ctx, &tenant_of(&page), &f.id).await {
        Ok(()) => redirect("/admin?ok=barrier-deleted#barriers"),
        Err(e) => refused(&s, &page, "barriers", e).await,
    }
}

/// `POST /admin/import` (multipart): a CSV file, or its text pasted, with
/// or without a dry run; the report is shown either way.
pub async fn import(State(s): State<AppState>, page: Page, mut form: crate::extract::Multipart) -> Response {
    let (mut csrf, mut text, mut file, mut dry) = (String::new(), String::new(), String::new(), false);
    loop {
        let field = match form.next_field().await {
            Ok(Some(f)) => f,
            Ok(None) => break,
            Err(e) => {
                return refused(&s, &page, "import", ServiceError::invalid(e.body_text())).await;
            }
        };
        let name = field.name().unwrap_or("").to_string();
        let value = match field.bytes().await {
            Ok(b) => b,
            Err(e) => return refused(&s, &page, "import", ServiceError::invalid(e.body_text())).await,
        };
        let value = match String::from_utf8(value.to_vec()) {
            Ok(v) => v,
            Err(_) => {
                return refused(&s, &page, "import", ServiceError::invalid(page.tr.get("admin-import-not-utf8"))).await
            }
        };
        match name.as_str() {
            "csrf" => csrf = value,
            "csv" => text = value,
            "file" => file = value,
            "dry_run" => dry = true,
            _ => {}
        }
    }
    if let Some(r) = crate::check_csrf(&page, &csrf) {
        return r;
    }
    let csv = if file.trim().is_empty() { text } else { file };
    let csv = csv.strip_prefix('\u{feff}').map(str::to_string).unwrap_or(csv);
    if csv.trim().is_empty() {
        return refused(&s, &page, "import", ServiceError::invalid(page.tr.get("admin-import-empty"))).await;
    }
    match s.app.import_csv(&page.ctx, &tenant_of(&page), &csv, dry).await {
        Ok(report) => {
            let keep = if report.dry_run { csv } else { String::new() };
            show(&s, &page, &AdminQuery::default(), None, Some(report), keep).await
        }
        Err(e) => refused(&s, &page, "import", e).await,
    }
}

#[derive(Deserialize)]
pub struct LockboxSettingsForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    approvers: String,
    required: String,
    max_minutes: String,
    pending_minutes: String,
    #[serde(default)]
    notify_users: Option<String>,
}

/// `POST /admin/lockbox`.
pub async fn lockbox_settings(State(s): State<AppState>, page: Page, Form(f): Form<LockboxSettingsForm>) -> Response {
    if let Some(r) = crate::check_csrf(&page, &f.csrf) {
        return r;
    }
    let num = |v: &str| v.trim().parse::<u32>().ok();
    let (Some(required), Some(max_minutes), Some(pending_minutes)) =
        (num(&f.required).and_then(|n| u8::try_from(n).ok()), num(&f.max_minutes), num(&f.pending_minutes))
    else {
        return refused(&s, &page, "lockbox", ServiceError::invalid(page.tr.get("admin-bad-number"))).await;
    };
    let settings = suveren_domain::lockbox::LockboxSettings {
        approvers: list(&f.approvers),
        required,
        max_minutes,
        pending_minutes,
        notify_users: f.notify_users.is_some(),
    };
    match s.app.set_lockbox_settings(&page.ctx, &tenant_of(&page), settings).await {
        Ok(_) => redirect("/admin?ok=lockbox#lockbox"),
        Err(e) => refused(&s, &page, "lockbox", e).await,
    }
}

#[derive(Deserialize)]
pub struct HoldForm {
    #[serde(default)]
    csrf: String,
    scope: String,
    target: String,
    #[serde(default)]
    path: String,
    reason: String,
    case_ref: String,
}

/// `POST /admin/holds`.
pub async fn create_hold(State(s): State<AppState>, page: Page, Form(f): Form<HoldForm>) -> Response {
    if let Some(r) = crate::check_csrf(&page, &f.csrf) {
        return r;
    }
    let target = f.target.trim().to_string();
    let scope = match f.scope.as_str() {
        "principal" => HoldTarget::Principal(target),
        "folder" => HoldTarget::Folder { drive: target, path: f.path.trim().into() },
        _ => HoldTarget::Drive(target),
    };
    let inp = HoldInput { scope, reason: f.reason, case_ref: f.case_ref };
    match s.app.create_hold(&page.ctx, &tenant_of(&page), &inp).await {
        Ok(_) => redirect("/admin?ok=hold#holds"),
        Err(e) => refused(&s, &page, "holds", e).await,
    }
}

/// `POST /admin/holds/release`.
pub async fn release_hold(State(s): State<AppState>, page: Page, Form(f): Form<IdForm>) -> Response {
    if let Some(r) = crate::check_csrf(&page, &f.csrf) {
        return r;
    }
    match s.app.release_hold(&page.ctx, &tenant_of(&page), &f.id, &f.note).await {
        Ok(_) => redirect("/admin?ok=hold-released#holds"),
        Err(e) => refused(&s, &page, "holds", e).await,
    }
}

#[derive(Deserialize)]
pub struct UnlockForm {
    #[serde(default)]
    csrf: String,
    passphrase: String,
}

/// `POST /admin/keys/unlock`.
pub async fn unlock_key(State(s): State<AppState>, page: Page, Form(f): Form<UnlockForm>) -> Response {
    if let Some(r) = crate::check_csrf(&page, &f.csrf) {
        return r;
    }
    match s.app.unlock_key(&page.ctx, &tenant_of(&page), &f.passphrase).await {
        Ok(_) => redirect("/admin?ok=unlocked#keys"),
        Err(e) => refused(&s, &page, "keys", e).await,
    }
}
