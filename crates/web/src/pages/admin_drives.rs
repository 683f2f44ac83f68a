//! Team drives for tenant administrators (`/admin/drives`): each drive's
//! name, members (the owning group first), level, quota and use, never a
//! file name (administrators have no content rights); a new team drive
//! (name, owning group, level, quota); a drive's quota; its members added
//! and removed.
//!
//! Every list and change is the drive service's call the REST API makes
//! (`App::tenant_drives`, `create_team_drive`, `update_team_drive`) under
//! `drive.manage`, so the gate decides (role, second factor, tenant) and
//! the service refuses what would open a Confidential or Restricted drive
//! to the administrator making the change (four eyes); its refusal is
//! shown next to the form, in the reader's language.

use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use serde::Deserialize;
use suveren_api::AppState;
use suveren_policy::{AccessRole, Action};
use suveren_service::drive::Member;
use suveren_service::{Ctx, ServiceError};

use super::{redirect, render, service_error, url_encode, Chrome};
use crate::extract::{Form, Query};
use crate::i18n::{Arg, Tr};
use crate::Page;

pub struct MemberLine {
    /// `g:<group id>` or `p:<principal id>`, for removal.
    pub key: String,
    pub name: String,
    pub role: String,
}

pub struct DriveRow {
    pub id: String,
    pub name: String,
    pub slug: String,
    pub members: Vec<MemberLine>,
    pub level: String,
    pub rank: u8,
    pub quota: String,
    pub quota_gb: String,
    pub used: String,
}

/// A message after a form: in the "new drive" section (`create`) or at
/// one drive (its id); success (status) or the service's refusal (alert).
pub struct Flash {
    pub section: String,
    pub text: String,
    pub error: bool,
}

/// The "new team drive" form as it was sent, to show again when refused.
#[derive(Deserialize, Default)]
pub struct CreateForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub slug: String,
    #[serde(default)]
    pub level: String,
    #[serde(default)]
    pub owner: String,
    #[serde(default)]
    pub quota_gb: String,
}

#[derive(Template)]
#[template(path = "admin_drives.html")]
struct DrivesPage {
    c: Chrome,
    intro: String,
    flash: Option<Flash>,
    caption: String,
    drives: Vec<DriveRow>,
    groups: Vec<(String, String)>,
    levels: Vec<(u8, String)>,
    roles: Vec<(&'static str, String)>,
    form: CreateForm,
}

impl DrivesPage {
    fn flash_in(&self, section: &str) -> Option<&Flash> {
        self.flash.as_ref().filter(|f| f.section == section)
    }
}

fn ctx_for(page: &Page, action: Action) -> Ctx {
    Ctx { action, ..page.ctx.clone() }
}

fn tenant_of(page: &Page) -> String {
    page.ctx.actor.tenant().to_string()
}

fn role_label(tr: Tr, r: AccessRole) -> String {
    tr.get(match r {
        AccessRole::Owner => "admin-drives-role-owner",
        AccessRole::Editor => "admin-drives-role-editor",
        AccessRole::Viewer => "admin-drives-role-viewer",
    })
}

fn parse_role(r: &str) -> Option<AccessRole> {
    match r {
        "owner" => Some(AccessRole::Owner),
        "editor" => Some(AccessRole::Editor),
        "viewer" => Some(AccessRole::Viewer),
        _ => None,
    }
}

fn member_key(m: &Member) -> String {
    match (&m.principal, &m.group) {
        (Some(p), _) => format!("p:{p}"),
        (None, Some(g)) => format!("g:{g}"),
        _ => String::new(),
    }
}

/// A drive's URL name from its name when none is given: Nordic letters
/// folded, anything else but a–z and 0–9 a dash.
fn slug_of(name: &str) -> String {
    let folded = suveren_domain::names::fold(name);
    let mut out = String::new();
    for c in folded.chars() {
        if c.is_ascii_alphanumeric() {
            out.push(c.to_ascii_lowercase());
        } else if !out.ends_with('-') && !out.is_empty() {
            out.push('-');
        }
    }
    let mut s: String = out.trim_end_matches('-').chars().take(64).collect();
    while s.ends_with('-') {
        s.pop();
    }
    s
}

const GIB: f64 = (1u64 << 30) as f64;

/// A quota field in GiB (`50`, `2.5` or `2,5`): empty is none.
fn parse_quota(tr: Tr, q: &str) -> Result<Option<u64>, ServiceError> {
    let q = q.trim().replace(',', ".");
    if q.is_empty() {
        return Ok(None);
    }
    match q.parse::<f64>() {
        Ok(v) if v.is_finite() && v > 0.0 && v <= 1_048_576.0 => Ok(Some((v * GIB).round() as u64)),
        _ => Err(ServiceError::invalid(tr.get("admin-drives-bad-quota"))),
    }
}

fn quota_field(q: Option<u64>) -> String {
    match q {
        None => String::new(),
        Some(b) if b % (1 << 30) == 0 => (b >> 30).to_string(),
        Some(b) => format!("{:.2}", b as f64 / GIB).trim_end_matches('0').trim_end_matches('.').to_string(),
    }
}

/// The reason of a refusal or failure, for the form it came from.
fn reason(tr: Tr, e: &ServiceError) -> Option<String> {
    match e {
        ServiceError::Denied(d) => Some(tr.denial(d)),
        ServiceError::Drive(suveren_store::drive::DriveConflict::Exists(_)) => Some(tr.get("admin-drives-err-exists")),
        other => tr.error(other),
    }
}

fn status_of(e: &ServiceError) -> StatusCode {
    match e {
        ServiceError::Denied(_) => StatusCode::FORBIDDEN,
        ServiceError::NotFound => StatusCode::NOT_FOUND,
        ServiceError::Drive(_) | ServiceError::Conflict(_) => StatusCode::CONFLICT,
        ServiceError::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
        _ => StatusCode::UNPROCESSABLE_ENTITY,
    }
}

#[derive(Deserialize, Default)]
pub struct IndexQ {
    #[serde(default)]
    ok: String,
    #[serde(default)]
    d: String,
}

/// `GET /admin/drives`.
pub async fn index(State(s): State<AppState>, page: Page, Query(q): Query<IndexQ>) -> Response {
    let flash = match q.ok.as_str() {
        "created" | "quota" | "members" => Some(Flash {
            section: if q.d.is_empty() { "create".into() } else { q.d.clone() },
            text: page.tr.get(&format!("admin-drives-ok-{}", q.ok)),
            error: false,
        }),
        _ => None,
    };
    show(&s, &page, flash, CreateForm::default(), StatusCode::OK).await
}

/// The whole page; a refused form shows it again with its reason.
async fn show(s: &AppState, page: &Page, flash: Option<Flash>, form: CreateForm, status: StatusCode) -> Response {
    let tr = page.tr;
    let tenant = tenant_of(page);
    // The gate first: the drives are the service's answer to `drive.manage`
    // on this tenant, refused with the reason for anyone else.
    let ctx = ctx_for(page, Action::DriveManage);
    let list = match s.app.tenant_drives(&ctx, &tenant).await {
        Ok(l) => l,
        Err(e) => return service_error(tr, e),
    };
    let groups = match s.app.list_groups(&ctx, &tenant).await {
        Ok(g) => g,
        Err(e) => return service_error(tr, e),
    };
    let snap = s.app.snapshot();
    let dir = &snap.dir;
    let Some(t) = dir.tenants.get(&tenant) else {
        return service_error(tr, ServiceError::NotFound);
    };
    let level_name = |rank: u8| t.scheme.level(rank).map(|l| l.name.clone()).unwrap_or_else(|| rank.to_string());
    let drives = list
        .iter()
        .map(|(d, used)| {
            let mut members: Vec<&Member> = d.members.iter().collect();
            // The owning group(s) first, then by role.
            members.sort_by_key(|m| (std::cmp::Reverse(m.role), m.principal.is_some()));
            DriveRow {
                id: d.id.clone(),
                name: d.name.clone(),
                slug: d.slug.clone(),
                members: members
                    .into_iter()
                    .map(|m| MemberLine {
                        key: member_key(m),
                        name: match (&m.principal, &m.group) {
                            (Some(p), _) => dir
                                .principals
                                .get(p)
                                .map(|p| format!("{} ({})", p.name, p.login))
                                .unwrap_or_else(|| p.clone()),
                            (None, Some(g)) => tr.args(
                                "admin-drives-group",
                                &[(
                                    "name",
                                    Arg::S(dir.groups.get(g).map(|g| g.name.clone()).unwrap_or_else(|| g.clone())),
                                )],
                            ),
                            _ => String::new(),
                        },
                        role: role_label(tr, m.role),
                    })
                    .collect(),
                level: level_name(d.level),
                rank: d.level,
                quota: d.quota.map(|q| tr.bytes(q)).unwrap_or_else(|| tr.get("admin-drives-no-quota")),
                quota_gb: quota_field(d.quota),
                used: match d.quota {
                    Some(q) if q > 0 => tr.args(
                        "admin-drives-used-of",
                        &[
                            ("used", Arg::S(tr.bytes(*used))),
                            ("percent", Arg::S(tr.number(used.saturating_mul(100) / q))),
                        ],
                    ),
                    _ => tr.bytes(*used),
                },
            }
        })
        .collect::<Vec<_>>();
    // An answer about no form on the page (a drive that is gone) is shown
    // at the top.
    let mut flash = flash;
    if let Some(f) = flash.as_mut().filter(|f| f.section != "create" && !drives.iter().any(|d| d.id == f.section)) {
        f.section = "top".into();
    }
    let c = Chrome::new(page, tr.get("admin-drives-title"), "/admin");
    let caption = tr.args("admin-drives-caption", &[("count", Arg::N(drives.len() as f64))]);
    let r = render(&DrivesPage {
        intro: tr.args("admin-drives-intro", &[("tenant", Arg::S(t.name.clone()))]),
        c,
        flash,
        caption,
        drives,
        groups: groups.into_iter().map(|g| (g.id, g.name)).collect(),
        levels: t.scheme.levels.iter().map(|l| (l.rank, l.name.clone())).collect(),
        roles: [AccessRole::Owner, AccessRole::Editor, AccessRole::Viewer]
            .into_iter()
            .map(|r| {
                (
                    match r {
                        AccessRole::Owner => "owner",
                        AccessRole::Editor => "editor",
                        AccessRole::Viewer => "viewer",
                    },
                    role_label(tr, r),
                )
            })
            .collect(),
        form,
    });
    if r.status() == StatusCode::OK {
        let mut r = r;
        *r.status_mut() = status;
        return r;
    }
    r
}

/// Shows the page again with a refusal next to `section`'s form.
async fn refused(s: &AppState, page: &Page, section: String, e: ServiceError, form: CreateForm) -> Response {
    // A drive that is not this tenant's (or no drive) has no form to show
    // the answer at: the "not found" page.
    if matches!(e, ServiceError::NotFound) {
        return service_error(page.tr, e);
    }
    let Some(text) = reason(page.tr, &e) else {
        return service_error(page.tr, e);
    };
    let status = status_of(&e);
    show(s, page, Some(Flash { section, text, error: true }), form, status).await
}

fn done(what: &str, drive: &str) -> Response {
    redirect(&format!("/admin/drives?ok={what}&d={}#drive-{}", url_encode(drive), url_encode(drive)))
}

/// `POST /admin/drives`: a new team drive owned by a group.
pub async fn create(State(s): State<AppState>, page: Page, Form(f): Form<CreateForm>) -> Response {
    if let Some(r) = crate::check_csrf(&page, &f.csrf) {
        return r;
    }
    let tr = page.tr;
    let tenant = tenant_of(&page);
    let res = async {
        let quota = parse_quota(tr, &f.quota_gb)?;
        let level: u8 = f.level.trim().parse().map_err(|_| ServiceError::invalid(tr.get("admin-drives-err-level")))?;
        let owner = f.owner.trim();
        if owner.is_empty() {
            return Err(ServiceError::invalid(tr.get("admin-drives-err-owner")));
        }
        // The group as the tenant's administrators may see it (this
        // tenant's only; the service checks again).
        let group = s
            .app
            .list_groups(&page.ctx, &tenant)
            .await?
            .into_iter()
            .find(|g| g.id == owner)
            .ok_or_else(|| ServiceError::invalid(tr.get("admin-drives-err-owner")))?;
        let name = f.name.trim();
        let slug = if f.slug.trim().is_empty() { slug_of(name) } else { f.slug.trim().to_string() };
        let members = vec![Member { principal: None, group: Some(group.id), role: AccessRole::Owner }];
        let d = s.app.create_team_drive(&page.ctx, name, &slug, level, members).await?;
        if quota.is_some() {
            s.app.update_team_drive(&page.ctx, &d.id, |d| d.quota = quota).await?;
        }
        Ok(d.id.clone())
    }
    .await;
    match res {
        Ok(id) => done("created", &id),
        Err(e) => refused(&s, &page, "create".into(), e, f).await,
    }
}

#[derive(Deserialize)]
pub struct QuotaForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    drive: String,
    #[serde(default)]
    quota_gb: String,
}

/// `POST /admin/drives/quota`: a drive's quota in GiB (empty: none).
pub async fn quota(State(s): State<AppState>, page: Page, Form(f): Form<QuotaForm>) -> Response {
    if let Some(r) = crate::check_csrf(&page, &f.csrf) {
        return r;
    }
    let res = async {
        let quota = parse_quota(page.tr, &f.quota_gb)?;
        s.app.update_team_drive(&page.ctx, &f.drive, |d| d.quota = quota).await
    }
    .await;
    match res {
        Ok(_) => done("quota", &f.drive),
        Err(e) => refused(&s, &page, f.drive.clone(), e, CreateForm::default()).await,
    }
}

#[derive(Deserialize)]
pub struct MembersForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    drive: String,
    /// `add` or `remove`.
    #[serde(default)]
    op: String,
    /// Add: a group's id, or ...
    #[serde(default)]
    group: String,
    /// ... a person's login.
    #[serde(default)]
    login: String,
    #[serde(default)]
    role: String,
    /// Remove: the member's key (`g:<group>` or `p:<principal>`).
    #[serde(default)]
    member: String,
}

/// `POST /admin/drives/members`: adds a group or a person with a role (a
/// member already there gets the new role), or removes one.
pub async fn members(State(s): State<AppState>, page: Page, Form(f): Form<MembersForm>) -> Response {
    if let Some(r) = crate::check_csrf(&page, &f.csrf) {
        return r;
    }
    let tr = page.tr;
    let tenant = tenant_of(&page);
    let res = async {
        match f.op.as_str() {
            "add" => {
                let role = parse_role(&f.role).ok_or_else(|| ServiceError::invalid(tr.get("admin-drives-err-role")))?;
                let login = f.login.trim().to_lowercase();
                let group = f.group.trim();
                let member = if !group.is_empty() && !login.is_empty() {
                    return Err(ServiceError::invalid(tr.get("admin-drives-err-both")));
                } else if !group.is_empty() {
                    let g = s
                        .app
                        .list_groups(&page.ctx, &tenant)
                        .await?
                        .into_iter()
                        .find(|x| x.id == group)
                        .ok_or_else(|| ServiceError::invalid(tr.get("admin-drives-err-member")))?;
                    Member { principal: None, group: Some(g.id), role }
                } else if !login.is_empty() {
                    // A login of this tenant, as the API resolves it.
                    let snap = s.app.snapshot();
                    let p = snap.dir.principal_by_login(&login).filter(|p| p.tenant == tenant).ok_or_else(|| {
                        ServiceError::invalid(tr.args("admin-drives-err-login", &[("login", Arg::S(login.clone()))]))
                    })?;
                    Member { principal: Some(p.id.clone()), group: None, role }
                } else {
                    return Err(ServiceError::invalid(tr.get("admin-drives-err-member")));
                };
                let key = member_key(&member);
                s.app
                    .update_team_drive(&page.ctx, &f.drive, move |d| {
                        d.members.retain(|m| member_key(m) != key);
                        d.members.push(member);
                    })
                    .await
            }
            "remove" => {
                let key = f.member.clone();
                s.app.update_team_drive(&page.ctx, &f.drive, move |d| d.members.retain(|m| member_key(m) != key)).await
            }
            _ => Err(ServiceError::invalid(tr.get("admin-drives-err-member"))),
        }
    }
    .await;
    match res {
        Ok(_) => done("members", &f.drive),
        Err(e) => refused(&s, &page, f.drive.clone(), e, CreateForm::default()).await,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::i18n::Lang;

    #[test]
    fn slugs_and_quotas() {
        assert_eq!(slug_of("Nordvik skole – lærere"), "nordvik-skole-laerere");
        assert_eq!(slug_of("  Økonomi 2027!  "), "okonomi-2027");
        assert_eq!(slug_of("!!!"), "");
        let tr = Tr::new(Lang::En);
        assert_eq!(parse_quota(tr, "").unwrap(), None);
        assert_eq!(parse_quota(tr, "2").unwrap(), Some(2 << 30));
        assert_eq!(parse_quota(tr, "2,5").unwrap(), Some(5 << 29));
        assert!(parse_quota(tr, "-1").is_err() && parse_quota(tr, "lots").is_err());
        assert_eq!(quota_field(Some(5 << 29)), "2.5");
        assert_eq!(quota_field(Some(3 << 30)), "3");
        assert_eq!(quota_field(None), "");
    }
}
