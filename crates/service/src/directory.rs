//! Directory services: people search within barriers, and administration of
//! tenants, principals, org units, groups, segments, barriers, federation
//! links and classification schemes.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use suveren_domain::names::{display_name, identifier};
use suveren_domain::*;
use suveren_policy::{authorize, Action, Decision, Resource};
use suveren_store::{Batch, Op};

use crate::snapshot::kinds;
use crate::{new_id, now_unix, App, Ctx, Result, ServiceError};

pub const MAX_PAGE: usize = 100;

/// One person as a search result.
#[derive(Debug, Clone, Serialize)]
pub struct PersonHit {
    pub login: String,
    pub name: String,
    pub tenant: String,
    pub kind: PrincipalKind,
    pub email: Option<String>,
    pub org_unit: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct SearchPage {
    pub results: Vec<PersonHit>,
    /// Pass as `cursor` for the next page; null on the last page.
    pub next_cursor: Option<String>,
}

fn invalid(e: impl ToString) -> ServiceError {
    ServiceError::invalid(e.to_string())
}

/// Fields an administrator sets on a principal.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PrincipalInput {
    pub login: String,
    pub name: String,
    #[serde(default)]
    pub email: Option<String>,
    pub kind: PrincipalKind,
    /// Org unit path, e.g. `Skole/Nordvik skole/8A`.
    #[serde(default)]
    pub org_unit: Option<String>,
    #[serde(default)]
    pub groups: Vec<String>,
    #[serde(default)]
    pub attributes: BTreeMap<String, String>,
    #[serde(default)]
    pub roles: Vec<Role>,
    #[serde(default)]
    pub password: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PrincipalPatch {
    pub name: Option<String>,
    pub email: Option<String>,
    pub org_unit: Option<String>,
    pub groups: Option<Vec<String>>,
    pub attributes: Option<BTreeMap<String, String>>,
    pub roles: Option<Vec<Role>>,
    pub disabled: Option<bool>,
    pub password: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TenantInput {
    pub id: String,
    pub name: String,
    pub domain: String,
    #[serde(default)]
    pub preset: Option<String>,
    #[serde(default)]
    pub quota_bytes: Option<u64>,
}

#[derive(Debug, Clone, Serialize)]
pub struct TenantInfo {
    #[serde(flatten)]
    pub tenant: Tenant,
    pub principals: usize,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BarrierInput {
    /// `block` or `only-with`.
    pub rule: String,
    pub a: String,
    #[serde(default)]
    pub b: Option<String>,
    #[serde(default)]
    pub with: Vec<String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LinkInput {
    pub tenant_a: String,
    pub segment_a: String,
    pub tenant_b: String,
    pub segment_b: String,
}

/// Keys of named objects: tenant first, so no lookup crosses tenants.
pub fn scoped_id(tenant: &str, name: &str) -> String {
    format!("{tenant}:{name}")
}

impl App {
    /// `GET /api/v1/directory/search`: ranked, paginated, and only what the
    /// caller may discover; undiscoverable people are simply absent, so a
    /// hidden match and no match give the same answer.
    pub async fn search(&self, ctx: &Ctx, q: &str, limit: usize, cursor: Option<&str>) -> Result<SearchPage> {
        if q.chars().count() > search::MAX_QUERY_CHARS {
            return Err(invalid(format!("The query is too long; at most {} characters.", search::MAX_QUERY_CHARS)));
        }
        if q.chars().any(char::is_control) {
            return Err(invalid("The query contains a control character."));
        }
        let skip: usize = match cursor {
            None | Some("") => 0,
            Some(c) => c.parse().map_err(|_| invalid("The cursor is not valid; start from the first page."))?,
        };
        if skip > 10_000 {
            return Err(invalid("Refine the search: results beyond the first 10,000 are not paged through."));
        }
        let limit = limit.clamp(1, MAX_PAGE);
        let snap = self.snapshot();
        self.gate_in(&snap, ctx, &Resource::Directory).await?;
        let Some(me) = &ctx.actor.principal else {
            return Err(ServiceError::NotFound);
        };
        let mut tenants: Vec<&str> = vec![me.tenant.as_str()];
        for l in snap.dir.links.iter().filter(|l| l.active()) {
            if l.tenant_a == me.tenant {
                tenants.push(&l.tenant_b);
            } else if l.tenant_b == me.tenant {
                tenants.push(&l.tenant_a);
            }
        }
        let now = now_unix();
        let mut visible = snap
            .index
            .ranked(q, &tenants)
            .filter_map(|id| snap.dir.principals.get(id))
            .filter(|p| !p.disabled)
            .filter(|p| {
                authorize(&snap.dir, &ctx.actor, Action::PrincipalView, &Resource::Principal(p), now).is_allow()
            })
            .skip(skip);
        let mut results = Vec::with_capacity(limit);
        for p in visible.by_ref().take(limit) {
            results.push(hit(&snap.dir, p));
        }
        let more = visible.next().is_some();
        Ok(SearchPage { results, next_cursor: more.then(|| (skip + limit).to_string()) })
    }

    /// `GET /api/v1/directory/people/{login}`.
    pub async fn person(&self, ctx: &Ctx, login: &str) -> Result<PersonHit> {
        let snap = self.snapshot();
        let login = login.trim().to_lowercase();
        let Some(p) = snap.dir.principal_by_login(&login).filter(|p| !p.disabled) else {
            // Same answer as a concealed denial; audited the same way.
            let d = self.draft(
                ctx,
                ctx.actor.tenant(),
                "principal:?".into(),
                suveren_audit::Outcome::Deny,
                Some("not found".into()),
            );
            self.commit(Batch::new().audit(d)).await?;
            return Err(ServiceError::NotFound);
        };
        self.gate_in(&snap, ctx, &Resource::Principal(p)).await?;
        Ok(hit(&snap.dir, p))
    }

    pub(crate) async fn admin(
        &self,
        ctx: &Ctx,
        tenant: &str,
    ) -> Result<(std::sync::Arc<crate::Snapshot>, crate::Permit)> {
        let snap = self.snapshot();
        let permit = self.gate_in(&snap, ctx, &Resource::Tenant(tenant)).await?;
        if !snap.dir.tenants.contains_key(tenant) {
            return Err(ServiceError::NotFound);
        }
        Ok((snap, permit))
    }

    /// Commits an administrative change with its audit record and reloads
    /// the directory snapshot.
    pub(crate) async fn admin_commit(
        &self,
        ctx: &Ctx,
        permit: &crate::Permit,
        tenant: &str,
        resource: String,
        ops: Vec<Op>,
    ) -> Result<()> {
        let mut d = self.allowed(ctx, permit, tenant);
        d.resource = resource;
        let mut b = Batch::new().audit(d);
        b.ops = ops;
        self.commit(b).await.map_err(|e| match e {
            ServiceError::Store(suveren_store::StoreError::Conflict { key, .. }) => {
                ServiceError::Conflict(format!("`{key}` already exists."))
            }
            e => e,
        })?;
        self.reload().await
    }

    pub async fn list_principals(
        &self,
        ctx: &Ctx,
        tenant: &str,
        offset: usize,
        limit: usize,
    ) -> Result<Vec<Principal>> {
        let (snap, _) = self.admin(ctx, tenant).await?;
        let mut ps: Vec<&Principal> = snap.dir.principals.values().filter(|p| p.tenant == tenant).collect();
        ps.sort_by(|a, b| a.login.cmp(&b.login));
        Ok(ps.into_iter().skip(offset).take(limit.clamp(1, 1000)).cloned().collect())
    }

    /// Validates input into a principal of `tenant`; `units` resolves paths.
    pub(crate) fn build_principal(
        dir: &Directory,
        tenant: &Tenant,
        id: String,
        inp: &PrincipalInput,
    ) -> Result<Principal> {
        let mut login = identifier("login", &inp.login).map_err(invalid)?;
        if !login.contains('@') {
            login = format!("{login}@{}", tenant.domain);
        }
        if !login.ends_with(&format!("@{}", tenant.domain)) {
            return Err(invalid(format!("The login must end with @{}.", tenant.domain)));
        }
        let name = display_name("name", &inp.name).map_err(invalid)?;
        let email = match inp.email.as_deref().map(str::trim).filter(|e| !e.is_empty()) {
            Some(e) => Some(identifier("email", e).map_err(invalid)?),
            None => None,
        };
        let org_unit = match inp.org_unit.as_deref().map(str::trim).filter(|u| !u.is_empty()) {
            Some(path) => {
                let id = scoped_id(&tenant.id, path);
                if !dir.org_units.contains_key(&id) {
                    return Err(invalid(format!("There is no org unit `{path}` in {}.", tenant.name)));
                }
                Some(id)
            }
            None => None,
        };
        let mut groups = Vec::new();
        for g in &inp.groups {
            let id = scoped_id(&tenant.id, g.trim());
            if !dir.groups.contains_key(&id) {
                return Err(invalid(format!("There is no group `{g}` in {}.", tenant.name)));
            }
            groups.push(id);
        }
        if inp.roles.contains(&Role::OperatorAdmin) {
            return Err(invalid("Operator administrators belong to the installation, not to a tenant."));
        }
        for (k, v) in &inp.attributes {
            identifier("attribute name", k).map_err(invalid)?;
            display_name("attribute value", v).map_err(invalid)?;
        }
        Ok(Principal {
            id,
            tenant: tenant.id.clone(),
            login,
            name,
            email,
            kind: inp.kind,
            org_unit,
            groups,
            attributes: inp.attributes.clone(),
            roles: inp.roles.clone(),
            disabled: false,
        })
    }

    pub async fn create_principal(&self, ctx: &Ctx, tenant: &str, inp: &PrincipalInput) -> Result<Principal> {
        let (snap, permit) = self.admin(ctx, tenant).await?;
        let t = &snap.dir.tenants[tenant];
        let p = Self::build_principal(&snap.dir, t, new_id(), inp)?;
        self.insert_principal(ctx, &permit, &snap, p, inp.password.as_deref()).await
    }

    /// The operator creates a tenant's first administrator, and nothing else.
    pub async fn bootstrap_admin(&self, ctx: &Ctx, tenant: &str, inp: &PrincipalInput) -> Result<Principal> {
        let snap = self.snapshot();
        // The gate first: whether the tenant exists is the operator's to
        // know, not anyone else's (rule 1).
        let permit = self.gate_in(&snap, ctx, &Resource::Tenant(tenant)).await?;
        if !snap.dir.tenants.contains_key(tenant) {
            return Err(ServiceError::NotFound);
        }
        let mut inp = inp.clone();
        inp.roles = vec![Role::TenantAdmin];
        let p = Self::build_principal(&snap.dir, &snap.dir.tenants[tenant], new_id(), &inp)?;
        self.insert_principal(ctx, &permit, &snap, p, inp.password.as_deref()).await
    }

    async fn insert_principal(
        &self,
        ctx: &Ctx,
        permit: &crate::Permit,
        snap: &crate::Snapshot,
        p: Principal,
        pw: Option<&str>,
    ) -> Result<Principal> {
        if snap.dir.principal_by_login(&p.login).is_some() {
            return Err(ServiceError::Conflict(format!("`{}` already exists.", p.login)));
        }
        let mut ops = vec![Op::insert(kinds::PRINCIPAL, &p.id, &p.tenant, None, &p)];
        if let Some(pw) = pw {
            ops.push(self.password_op(&p, pw).await?);
        }
        self.admin_commit(ctx, permit, &p.tenant, format!("principal:{}", p.login), ops).await?;
        Ok(p)
    }

    fn find_in<'a>(snap: &'a crate::Snapshot, tenant: &str, login: &str) -> Result<&'a Principal> {
        snap.dir
            .principal_by_login(&login.trim().to_lowercase())
            .filter(|p| p.tenant == tenant)
            .ok_or(ServiceError::NotFound)
    }

    pub async fn update_principal(
        &self,
        ctx: &Ctx,
        tenant: &str,
        login: &str,
        patch: &PrincipalPatch,
    ) -> Result<Principal> {
        let (snap, permit) = self.admin(ctx, tenant).await?;
        let old = Self::find_in(&snap, tenant, login)?.clone();
        let t = &snap.dir.tenants[tenant];
        let inp = PrincipalInput {
            login: old.login.clone(),
            name: patch.name.clone().unwrap_or_else(|| old.name.clone()),
            email: patch.email.clone().or_else(|| old.email.clone()),
            kind: old.kind,
            org_unit: match &patch.org_unit {
                Some(u) => Some(u.clone()),
                None => old.org_unit.as_ref().map(|u| u.trim_start_matches(&format!("{tenant}:")).to_string()),
            },
            groups: match &patch.groups {
                Some(g) => g.clone(),
                None => old.groups.iter().map(|g| g.trim_start_matches(&format!("{tenant}:")).to_string()).collect(),
            },
            attributes: patch.attributes.clone().unwrap_or_else(|| old.attributes.clone()),
            roles: patch.roles.clone().unwrap_or_else(|| old.roles.clone()),
            password: None,
        };
        let mut new = Self::build_principal(&snap.dir, t, old.id.clone(), &inp)?;
        new.disabled = patch.disabled.unwrap_or(old.disabled);
        let mut ops = vec![Op::put(kinds::PRINCIPAL, &new.id, tenant, None, &new)];
        // Privilege change, disabling or a password reset: every session
        // starts over.
        if new.roles != old.roles || new.disabled || patch.password.is_some() {
            ops.push(Op::DeleteOwned { kind: kinds::SESSION.into(), owner: new.id.clone() });
        }
        if let Some(pw) = &patch.password {
            ops.push(self.password_op(&new, pw).await?);
        }
        if ctx.actor.principal.as_ref().is_some_and(|me| me.id == new.id) {
            self.no_self_grant(&old, &new)?;
        }
        self.admin_commit(ctx, &permit, tenant, format!("principal:{}", new.login), ops).await?;
        Ok(new)
    }

    pub async fn delete_principal(&self, ctx: &Ctx, tenant: &str, login: &str) -> Result<()> {
        let (snap, permit) = self.admin(ctx, tenant).await?;
        let p = Self::find_in(&snap, tenant, login)?.clone();
        let ops = vec![
            Op::delete(kinds::PRINCIPAL, &p.id),
            Op::delete(kinds::CREDENTIAL, &p.id),
            Op::DeleteOwned { kind: kinds::SESSION.into(), owner: p.id.clone() },
            Op::DeleteOwned { kind: kinds::APP_PASSWORD.into(), owner: p.id.clone() },
        ];
        self.admin_commit(ctx, &permit, tenant, format!("principal:{}", p.login), ops).await?;
        self.app_cache.clear();
        Ok(())
    }

    pub async fn create_org_unit(&self, ctx: &Ctx, tenant: &str, path: &str) -> Result<OrgUnit> {
        let (snap, permit) = self.admin(ctx, tenant).await?;
        let units = org_unit_chain(&snap.dir, tenant, path)?;
        let Some(last) = units.last().cloned() else {
            return Err(invalid("The org unit path is empty."));
        };
        if snap.dir.org_units.contains_key(&last.id) {
            return Err(ServiceError::Conflict(format!("Org unit `{path}` already exists.")));
        }
        let ops = units.iter().map(|u| Op::put(kinds::ORG_UNIT, &u.id, tenant, None, u)).collect();
        self.admin_commit(ctx, &permit, tenant, format!("org_unit:{path}"), ops).await?;
        Ok(last)
    }

    pub async fn list_org_units(&self, ctx: &Ctx, tenant: &str) -> Result<Vec<(String, OrgUnit)>> {
        let (snap, _) = self.admin(ctx, tenant).await?;
        let mut v: Vec<(String, OrgUnit)> = snap
            .dir
            .org_units
            .values()
            .filter(|u| u.tenant == tenant)
            .map(|u| (snap.dir.unit_path(&u.id), u.clone()))
            .collect();
        v.sort_by(|a, b| a.0.cmp(&b.0));
        Ok(v)
    }

    pub async fn delete_org_unit(&self, ctx: &Ctx, tenant: &str, path: &str) -> Result<()> {
        let (snap, permit) = self.admin(ctx, tenant).await?;
        let id = scoped_id(tenant, path.trim_matches('/'));
        if !snap.dir.org_units.contains_key(&id) {
            return Err(ServiceError::NotFound);
        }
        let in_use =
            snap.dir.principals.values().any(|p| p.org_unit.as_deref().is_some_and(|u| snap.dir.unit_within(u, &id)))
                || snap.dir.org_units.values().any(|u| u.parent.as_deref() == Some(id.as_str()))
                || snap.dir.segments.values().any(|s| s.filter.org_unit.as_deref() == Some(id.as_str()));
        if in_use {
            return Err(ServiceError::Conflict(format!("Org unit `{path}` still has members, sub-units or segments.")));
        }
        self.admin_commit(ctx, &permit, tenant, format!("org_unit:{path}"), vec![Op::delete(kinds::ORG_UNIT, &id)])
            .await
    }

    pub async fn create_group(&self, ctx: &Ctx, tenant: &str, name: &str) -> Result<Group> {
        let (_, permit) = self.admin(ctx, tenant).await?;
        let name = identifier("group name", name).map_err(invalid)?;
        let g = Group { id: scoped_id(tenant, &name), tenant: tenant.into(), name: name.clone() };
        self.admin_commit(
            ctx,
            &permit,
            tenant,
            format!("group:{name}"),
            vec![Op::insert(kinds::GROUP, &g.id, tenant, None, &g)],
        )
        .await?;
        Ok(g)
    }

    pub async fn list_groups(&self, ctx: &Ctx, tenant: &str) -> Result<Vec<Group>> {
        let (snap, _) = self.admin(ctx, tenant).await?;
        let mut v: Vec<Group> = snap.dir.groups.values().filter(|g| g.tenant == tenant).cloned().collect();
        v.sort_by(|a, b| a.name.cmp(&b.name));
        Ok(v)
    }

    pub async fn delete_group(&self, ctx: &Ctx, tenant: &str, name: &str) -> Result<()> {
        let (snap, permit) = self.admin(ctx, tenant).await?;
        let id = scoped_id(tenant, name);
        if !snap.dir.groups.contains_key(&id) {
            return Err(ServiceError::NotFound);
        }
        if snap.dir.principals.values().any(|p| p.groups.contains(&id))
            || snap.dir.segments.values().any(|s| s.filter.groups.contains(&id))
        {
            return Err(ServiceError::Conflict(format!("Group `{name}` still has members or is used by a segment.")));
        }
        self.admin_commit(ctx, &permit, tenant, format!("group:{name}"), vec![Op::delete(kinds::GROUP, &id)]).await
    }

    /// Segments name org units by path and groups by name; stored by id.
    pub async fn create_segment(&self, ctx: &Ctx, tenant: &str, name: &str, filter: &SegmentFilter) -> Result<Segment> {
        let (snap, permit) = self.admin(ctx, tenant).await?;
        let name = identifier("segment name", name).map_err(invalid)?;
        let mut f = filter.clone();
        if let Some(u) = &filter.org_unit {
            let id = scoped_id(tenant, u.trim_matches('/'));
            if !snap.dir.org_units.contains_key(&id) {
                return Err(invalid(format!("There is no org unit `{u}`.")));
            }
            f.org_unit = Some(id);
        }
        f.groups = Vec::new();
        for g in &filter.groups {
            let id = scoped_id(tenant, g);
            if !snap.dir.groups.contains_key(&id) {
                return Err(invalid(format!("There is no group `{g}`.")));
            }
            f.groups.push(id);
        }
        let s = Segment { id: scoped_id(tenant, &name), tenant: tenant.into(), name: name.clone(), filter: f };
        self.admin_commit(
            ctx,
            &permit,
            tenant,
            format!("segment:{name}"),
            vec![Op::insert(kinds::SEGMENT, &s.id, tenant, None, &s)],
        )
        .await?;
        Ok(s)
    }

    pub async fn list_segments(&self, ctx: &Ctx, tenant: &str) -> Result<Vec<Segment>> {
        let (snap, _) = self.admin(ctx, tenant).await?;
        let mut v: Vec<Segment> = snap.dir.segments.values().filter(|g| g.tenant == tenant).cloned().collect();
        v.sort_by(|a, b| a.name.cmp(&b.name));
        Ok(v)
    }

    pub async fn delete_segment(&self, ctx: &Ctx, tenant: &str, name: &str) -> Result<()> {
        let (snap, permit) = self.admin(ctx, tenant).await?;
        let id = scoped_id(tenant, name);
        if !snap.dir.segments.contains_key(&id) {
            return Err(ServiceError::NotFound);
        }
        let used = snap.dir.barriers.iter().any(|b| match &b.rule {
            BarrierKind::Block { a, b } => *a == id || *b == id,
            BarrierKind::OnlyWith { a, with } => *a == id || with.contains(&id),
        }) || snap.dir.links.iter().any(|l| l.segment_a == id || l.segment_b == id);
        if used {
            return Err(ServiceError::Conflict(format!(
                "Segment `{name}` is used by a barrier rule or federation link."
            )));
        }
        self.admin_commit(ctx, &permit, tenant, format!("segment:{name}"), vec![Op::delete(kinds::SEGMENT, &id)]).await
    }

    pub async fn create_barrier(&self, ctx: &Ctx, tenant: &str, inp: &BarrierInput) -> Result<BarrierRule> {
        let (snap, permit) = self.admin(ctx, tenant).await?;
        let seg = |n: &str| {
            let id = scoped_id(tenant, n);
            if snap.dir.segments.contains_key(&id) {
                Ok(id)
            } else {
                Err(invalid(format!("There is no segment `{n}`.")))
            }
        };
        let rule = match inp.rule.as_str() {
            "block" => {
                let b = inp.b.as_deref().ok_or_else(|| invalid("A block rule needs `b`."))?;
                BarrierKind::Block { a: seg(&inp.a)?, b: seg(b)? }
            }
            "only-with" => {
                if inp.with.is_empty() {
                    return Err(invalid("An only-with rule needs at least one segment in `with`."));
                }
                BarrierKind::OnlyWith { a: seg(&inp.a)?, with: inp.with.iter().map(|w| seg(w)).collect::<Result<_>>()? }
            }
            other => return Err(invalid(format!("Unknown rule `{other}`; use `block` or `only-with`."))),
        };
        let b = BarrierRule { id: scoped_id(tenant, &new_id()), tenant: tenant.into(), rule };
        self.admin_commit(
            ctx,
            &permit,
            tenant,
            format!("barrier:{}", b.id),
            vec![Op::insert(kinds::BARRIER, &b.id, tenant, None, &b)],
        )
        .await?;
        Ok(b)
    }

    pub async fn list_barriers(&self, ctx: &Ctx, tenant: &str) -> Result<Vec<BarrierRule>> {
        let (snap, _) = self.admin(ctx, tenant).await?;
        Ok(snap.dir.barriers_of(tenant).cloned().collect())
    }

    pub async fn delete_barrier(&self, ctx: &Ctx, tenant: &str, id: &str) -> Result<()> {
        let (snap, permit) = self.admin(ctx, tenant).await?;
        if !snap.dir.barriers_of(tenant).any(|b| b.id == id) {
            return Err(ServiceError::NotFound);
        }
        self.admin_commit(ctx, &permit, tenant, format!("barrier:{id}"), vec![Op::delete(kinds::BARRIER, id)]).await
    }

    pub async fn get_scheme(&self, ctx: &Ctx, tenant: &str) -> Result<ClassificationScheme> {
        let (snap, _) = self.admin(ctx, tenant).await?;
        Ok(snap.dir.tenants[tenant].scheme.clone())
    }

    pub async fn set_scheme(
        &self,
        ctx: &Ctx,
        tenant: &str,
        scheme: &ClassificationScheme,
    ) -> Result<ClassificationScheme> {
        let (snap, permit) = self.admin(ctx, tenant).await?;
        scheme.validate().map_err(invalid)?;
        let t = Tenant { scheme: scheme.clone(), ..snap.dir.tenants[tenant].clone() };
        self.admin_commit(
            ctx,
            &permit,
            tenant,
            format!("tenant:{tenant}:classification"),
            vec![Op::put(kinds::TENANT, tenant, tenant, None, &t)],
        )
        .await?;
        Ok(t.scheme)
    }

    pub async fn tenant_view(&self, ctx: &Ctx, tenant: &str) -> Result<TenantInfo> {
        let (snap, _) = self.admin(ctx, tenant).await?;
        let principals = snap.dir.principals.values().filter(|p| p.tenant == tenant).count();
        Ok(TenantInfo { tenant: snap.dir.tenants[tenant].clone(), principals })
    }
}

/// The org units along `path`, existing or new, root first.
pub(crate) fn org_unit_chain(dir: &Directory, tenant: &str, path: &str) -> Result<Vec<OrgUnit>> {
    let mut out = Vec::new();
    let mut parent: Option<String> = None;
    let mut acc = String::new();
    for part in path.split('/').map(str::trim).filter(|p| !p.is_empty()) {
        let name = display_name("org unit", part).map_err(invalid)?;
        if !acc.is_empty() {
            acc.push('/');
        }
        acc.push_str(&name);
        let id = scoped_id(tenant, &acc);
        let unit = dir.org_units.get(&id).cloned().unwrap_or(OrgUnit {
            id: id.clone(),
            tenant: tenant.into(),
            name,
            parent: parent.clone(),
        });
        parent = Some(id);
        out.push(unit);
    }
    if out.len() > 16 {
        return Err(invalid("Org unit paths are at most 16 levels deep."));
    }
    Ok(out)
}

fn hit(dir: &Directory, p: &Principal) -> PersonHit {
    PersonHit {
        login: p.login.clone(),
        name: p.name.clone(),
        tenant: p.tenant.clone(),
        kind: p.kind,
        email: p.email.clone(),
        org_unit: p.org_unit.as_deref().map(|u| dir.unit_path(u)),
    }
}

/// Whether the gate allows; for callers that only filter.
pub fn allows(dir: &Directory, ctx: &Ctx, action: Action, res: &Resource) -> bool {
    matches!(authorize(dir, &ctx.actor, action, res, now_unix()), Decision::Allow { .. })
}
