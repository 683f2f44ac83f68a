//! The lockbox (trust-model rule 4): requests for access to content the
//! requester has no rights to, the tenant's secrecy review, and the
//! time-boxed grants approval creates.
//!
//! The state machine lives in `suveren_domain::lockbox`; who may file,
//! decide and revoke is the gate's (`LockboxOp` in the policy). This module
//! resolves scopes to ids, stores requests with their audit records in one
//! transaction, tells the affected people, and keeps the live grants in
//! memory so every request's [`suveren_policy::Actor`] carries them: a
//! revocation is seen by the very next request, WebDAV clients included.

use std::collections::{BTreeSet, HashMap};
use std::sync::{Arc, RwLock};

use serde::{Deserialize, Serialize};
use suveren_audit::Outcome;
use suveren_domain::lockbox::{
    Filing, LockboxAction, LockboxError, LockboxRequest, LockboxScope, LockboxSettings, Status, Stored, Verdict,
};
use suveren_domain::Tenant;
use suveren_policy::{Action, ContentOp, DriveRef, Grant, GrantScope, LockboxRef, Resource};
use suveren_store::{object, Batch, Op, StoreError};

use crate::drive::{clean_path, DriveKind};
use crate::snapshot::kinds;
use crate::{App, Ctx, Result, ServiceError};

pub const LOCKBOX_KIND: &str = "lockbox_request";
pub const NOTICE_KIND: &str = "notice";

/// How a request names its scope, as the API and CLI take it.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ScopeInput {
    /// A principal's login: their personal drive.
    DriveOf(String),
    /// A team drive, by its URL name or its display name.
    Drive(String),
    /// `files/<login>/<path>` or `drives/<slug>/<path>`, as in WebDAV URLs
    /// (a leading `/dav/` is accepted).
    Folder(String),
}

#[derive(Debug, Clone, Deserialize)]
pub struct NewRequest {
    pub tenant: String,
    pub scope: ScopeInput,
    pub actions: Vec<LockboxAction>,
    pub reason: String,
    pub case_ref: String,
    pub minutes: u32,
}

/// A message to a principal about something done to their content.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Notice {
    pub id: String,
    pub at: i64,
    pub request: String,
    pub requester: String,
    pub scope: String,
    pub actions: Vec<LockboxAction>,
    pub reason: String,
    pub case_ref: String,
    pub expires: Option<i64>,
    pub text: String,
}

/// Live grants by requester, rebuilt from the store after every change.
#[derive(Default)]
pub(crate) struct GrantCache {
    by_requester: RwLock<Arc<HashMap<String, Vec<Grant>>>>,
}

fn to_grant(r: &LockboxRequest) -> Option<Grant> {
    if r.state != Stored::Approved {
        return None;
    }
    let scope = match &r.scope {
        LockboxScope::DriveOf { principal, .. } => GrantScope::DriveOf(principal.clone()),
        LockboxScope::Drive { drive, .. } => GrantScope::Drive(drive.clone()),
        LockboxScope::Folder { drive, personal, path, .. } => GrantScope::Folder {
            drive: if *personal { DriveRef::Personal(drive.clone()) } else { DriveRef::Team(drive.clone()) },
            path: path.clone(),
        },
    };
    let ops = r
        .actions
        .iter()
        .map(|a| match a {
            LockboxAction::List => ContentOp::List,
            LockboxAction::Read => ContentOp::Read,
        })
        .collect();
    Some(Grant {
        id: r.id.clone(),
        tenant: r.tenant.clone(),
        scope,
        ops,
        expires_unix: r.expires.unwrap_or(0),
        revoked: false,
    })
}

fn lockbox_err(e: LockboxError) -> ServiceError {
    match e {
        LockboxError::Invalid(m) => ServiceError::Invalid(m),
        LockboxError::NoteMissing | LockboxError::WithholdReasonMissing => ServiceError::Invalid(e.to_string()),
        other => ServiceError::Conflict(other.to_string()),
    }
}

fn actions_text(a: &[LockboxAction]) -> String {
    a.iter().map(|a| if *a == LockboxAction::List { "list" } else { "read" }).collect::<Vec<_>>().join(", ")
}

impl App {
    /// The caller's live grants, for the actor of each request.
    pub fn grants_for(&self, principal: &str) -> Vec<Grant> {
        let map = self.lockbox.by_requester.read().unwrap_or_else(|e| e.into_inner()).clone();
        map.get(principal).cloned().unwrap_or_default()
    }

    /// Reloads the approved requests (cheap: closed ones are skipped).
    pub(crate) async fn load_grants(&self) -> Result<()> {
        let now = self.clock.now();
        let mut map: HashMap<String, Vec<Grant>> = HashMap::new();
        for o in self.store.list(LOCKBOX_KIND, None).await? {
            let r: LockboxRequest = o.decode()?;
            if r.status(now) == Status::Active {
                if let Some(g) = to_grant(&r) {
                    map.entry(r.requester.clone()).or_default().push(g);
                }
            }
        }
        *self.lockbox.by_requester.write().unwrap_or_else(|e| e.into_inner()) = Arc::new(map);
        Ok(())
    }

    /// Records a refusal the gate did not make (a bad scope, a second
    /// approval) in the caller's chain and the target tenant's, then
    /// returns the error the caller sees.
    async fn lockbox_refuse(
        &self,
        ctx: &Ctx,
        tenant: Option<&str>,
        resource: String,
        err: ServiceError,
    ) -> ServiceError {
        let reason = format!("lockbox: {err}");
        let own = ctx.actor.tenant().to_string();
        let mut b = Batch::new().audit(self.draft(ctx, &own, resource.clone(), Outcome::Deny, Some(reason.clone())));
        if let Some(t) = tenant.filter(|t| *t != own && self.snapshot().dir.tenants.contains_key(*t)) {
            b = b.audit(self.draft(ctx, t, resource, Outcome::Deny, Some(reason)));
        }
        match self.commit(b).await {
            Ok(_) => err,
            Err(e) => e,
        }
    }

    fn resolve_scope(&self, tenant: &Tenant, scope: &ScopeInput) -> Result<LockboxScope> {
        let snap = self.snapshot();
        let principal_in = |login: &str| {
            snap.dir
                .principal_by_login(login)
                .filter(|p| p.tenant == tenant.id)
                .ok_or_else(|| ServiceError::invalid(format!("{login} is not a principal of {}.", tenant.name)))
        };
        match scope {
            ScopeInput::DriveOf(login) => {
                let p = principal_in(login.trim())?;
                Ok(LockboxScope::DriveOf { principal: p.id.clone(), login: p.login.clone() })
            }
            ScopeInput::Drive(name) => {
                let n = name.trim();
                let d = self
                    .drive
                    .team_drives(&tenant.id)
                    .into_iter()
                    .find(|d| d.slug == n || d.name.eq_ignore_ascii_case(n))
                    .ok_or_else(|| ServiceError::invalid(format!("{} has no team drive named {n}.", tenant.name)))?;
                Ok(LockboxScope::Drive { drive: d.id.clone(), name: d.name.clone() })
            }
            ScopeInput::Folder(raw) => {
                let s = raw.trim().trim_start_matches('/');
                let s = s.strip_prefix("dav/").unwrap_or(s);
                let bad =
                    || ServiceError::invalid("A folder is named as files/<login>/<path> or drives/<drive>/<path>.");
                let (kind, rest) = s.split_once('/').ok_or_else(bad)?;
                let (owner, path) = rest.split_once('/').unwrap_or((rest, ""));
                let path = clean_path(path)?;
                match kind {
                    "files" => {
                        let p = principal_in(owner)?;
                        Ok(LockboxScope::Folder {
                            drive: p.id.clone(),
                            personal: true,
                            label: format!("files/{}{}", p.login, path.trim_end_matches('/')),
                            path,
                        })
                    }
                    "drives" => {
                        let d = self.drive.team_drives(&tenant.id).into_iter().find(|d| d.slug == owner).ok_or_else(
                            || ServiceError::invalid(format!("{} has no team drive named {owner}.", tenant.name)),
                        )?;
                        Ok(LockboxScope::Folder {
                            drive: d.id.clone(),
                            personal: false,
                            label: format!("{}{}", d.name, path.trim_end_matches('/')),
                            path,
                        })
                    }
                    _ => Err(bad()),
                }
            }
        }
    }

    /// Files a request. Only the gate decides who may; the scope must lie
    /// in the named tenant (a login or drive elsewhere is refused with the
    /// same words as one that does not exist).
    pub async fn lockbox_file(&self, ctx: &Ctx, input: NewRequest) -> Result<LockboxRequest> {
        let permit = self.gate(ctx, &Resource::Tenant(&input.tenant)).await?;
        let me = Self::me(ctx)?.clone();
        let snap = self.snapshot();
        let tenant = snap.dir.tenants.get(&input.tenant).ok_or(ServiceError::NotFound)?.clone();
        let id = crate::new_id();
        let resource = format!("lockbox:{id}");
        let scope = match self.resolve_scope(&tenant, &input.scope) {
            Ok(s) => s,
            Err(e) => return Err(self.lockbox_refuse(ctx, Some(&tenant.id), resource, e).await),
        };
        let filing = Filing {
            actions: input.actions.clone(),
            reason: input.reason.clone(),
            case_ref: input.case_ref.clone(),
            minutes: input.minutes,
        };
        let req = match LockboxRequest::file(
            id.clone(),
            &tenant.id,
            &tenant.name,
            (&me.id, &me.login, &me.tenant),
            scope,
            filing,
            &tenant.lockbox,
            self.clock.now(),
        ) {
            Ok(r) => r,
            Err(e) => return Err(self.lockbox_refuse(ctx, Some(&tenant.id), resource, lockbox_err(e)).await),
        };
        let why = format!(
            "{}; {}; {} min; case {}: {}",
            req.scope.describe(),
            actions_text(&req.actions),
            req.minutes,
            req.case_ref,
            req.reason
        );
        let batch = self.lockbox_audit(ctx, &permit, &req, Some(why)).op(Op::insert(
            LOCKBOX_KIND,
            &id,
            &tenant.id,
            Some(&me.id),
            &req,
        ));
        self.commit(batch).await?;
        Ok(req)
    }

    /// The allow records of a lockbox event: in the tenant's chain, and in
    /// the requester's own when that is another (the operator realm).
    fn lockbox_audit(&self, ctx: &Ctx, permit: &crate::Permit, req: &LockboxRequest, reason: Option<String>) -> Batch {
        let resource = format!("lockbox:{}", req.id);
        let mut b = Batch::new();
        let mut chains = BTreeSet::from([req.tenant.clone(), ctx.actor.tenant().to_string()]);
        chains.insert(req.requester_tenant.clone());
        for t in chains {
            let mut d = self.allowed(ctx, permit, &t);
            d.resource = resource.clone();
            d.reason = reason.clone();
            b = b.audit(d);
        }
        b
    }

    async fn load_request(&self, ctx: &Ctx, id: &str) -> Result<(LockboxRequest, String)> {
        match self.store.get(LOCKBOX_KIND, id).await? {
            Some(o) => Ok((o.decode()?, o.body)),
            None => {
                // A guessed or stale id: audited, answered like a hidden one.
                Err(self.lockbox_refuse(ctx, None, format!("lockbox:{id}"), ServiceError::NotFound).await)
            }
        }
    }

    fn lockbox_ref(r: &LockboxRequest) -> LockboxRef {
        LockboxRef { id: r.id.clone(), tenant: r.tenant.clone(), requester: r.requester.clone() }
    }

    /// One request, for its requester and the tenant's approvers.
    pub async fn lockbox_get(&self, ctx: &Ctx, id: &str) -> Result<LockboxRequest> {
        let (req, _) = self.load_request(ctx, id).await?;
        self.gate(ctx, &Resource::LockboxRequest(&Self::lockbox_ref(&req))).await?;
        Ok(req)
    }

    /// What the caller may see: their own requests, and as an approver
    /// every request of their tenant. Viewing is not audited per request:
    /// the events themselves are.
    pub async fn lockbox_list(&self, ctx: &Ctx) -> Result<Vec<LockboxRequest>> {
        self.gate(ctx, &Resource::Own).await?;
        let me = Self::me(ctx)?;
        let snap = self.snapshot();
        let now = self.clock.now();
        let mut out = Vec::new();
        let mut add = |objs: Vec<suveren_store::Object>| -> Result<()> {
            for o in objs {
                let r: LockboxRequest = o.decode()?;
                let lr = Self::lockbox_ref(&r);
                let v =
                    suveren_policy::authorize(&snap.dir, &ctx.actor, ctx.action, &Resource::LockboxRequest(&lr), now);
                if v.is_allow() && !out.iter().any(|x: &LockboxRequest| x.id == r.id) {
                    out.push(r);
                }
            }
            Ok(())
        };
        add(self.store.list_owned(LOCKBOX_KIND, &me.id).await?)?;
        if me.has_role(suveren_domain::Role::LockboxApprover) {
            add(self.store.list(LOCKBOX_KIND, Some(&me.tenant)).await?)?;
        }
        out.sort_by(|a, b| b.created.cmp(&a.created).then(a.id.cmp(&b.id)));
        Ok(out)
    }

    /// Approves or denies (the route's action says which) with the
    /// reviewer's note; `withhold` keeps the affected people from being
    /// told, with the reason recorded.
    pub async fn lockbox_decide(
        &self,
        ctx: &Ctx,
        id: &str,
        note: &str,
        withhold: Option<&str>,
    ) -> Result<LockboxRequest> {
        let verdict = match ctx.action {
            Action::LockboxApprove => Verdict::Approve,
            Action::LockboxDeny => Verdict::Deny,
            other => return Err(ServiceError::Internal(format!("{} does not decide requests", other.name()))),
        };
        let (mut req, old) = self.load_request(ctx, id).await?;
        let permit = self.gate(ctx, &Resource::LockboxRequest(&Self::lockbox_ref(&req))).await?;
        let me = Self::me(ctx)?.clone();
        let now = self.clock.now();
        if let Err(e) = req.decide((&me.id, &me.login), verdict, note, withhold, now) {
            return Err(self.lockbox_refuse(ctx, Some(&req.tenant), format!("lockbox:{id}"), lockbox_err(e)).await);
        }
        let granted = req.state == Stored::Approved;
        let mut why = format!("review: {}", note.trim());
        if granted {
            why.push_str(&format!("; grant live until {}", rfc3339(req.expires.unwrap_or(now))));
        } else if verdict == Verdict::Approve {
            why.push_str(&format!("; {} of {} approvals", req.approvals(), req.required));
        }
        if let Some(w) = &req.withheld_reason {
            why.push_str(&format!("; affected people not told: {w}"));
        }
        let mut batch = self.lockbox_audit(ctx, &permit, &req, Some(why));
        batch = batch
            .op(Op::Swap { object: object(LOCKBOX_KIND, id, &req.tenant, Some(&req.requester), &req), expected: old });
        if granted && req.notify {
            for op in self.notices_for(&req, now) {
                batch = batch.op(op);
            }
        }
        self.commit(batch).await.map_err(stale)?;
        self.load_grants().await?;
        Ok(req)
    }

    /// Ends a live grant at once (or withdraws a pending request).
    pub async fn lockbox_revoke(&self, ctx: &Ctx, id: &str, note: &str) -> Result<LockboxRequest> {
        let (mut req, old) = self.load_request(ctx, id).await?;
        let permit = self.gate(ctx, &Resource::LockboxRequest(&Self::lockbox_ref(&req))).await?;
        let me = Self::me(ctx)?.clone();
        if let Err(e) = req.revoke(&me.login, note, self.clock.now()) {
            return Err(self.lockbox_refuse(ctx, Some(&req.tenant), format!("lockbox:{id}"), lockbox_err(e)).await);
        }
        let batch = self
            .lockbox_audit(ctx, &permit, &req, Some(format!("revoked: {}", note.trim())))
            .op(Op::Swap { object: object(LOCKBOX_KIND, id, &req.tenant, Some(&req.requester), &req), expected: old });
        // Revocation must take effect before anyone is told it did: drop
        // the grant from memory first, so a failed commit errs on the side
        // of no access, then rebuild from what is stored.
        self.drop_grant(&req.requester, id);
        let res = self.commit(batch).await.map_err(stale);
        self.load_grants().await?;
        res?;
        Ok(req)
    }

    fn drop_grant(&self, requester: &str, id: &str) {
        let mut w = self.lockbox.by_requester.write().unwrap_or_else(|e| e.into_inner());
        let mut map = (**w).clone();
        if let Some(v) = map.get_mut(requester) {
            v.retain(|g| g.id != id);
        }
        *w = Arc::new(map);
    }

    /// Notices for everyone whose content the grant opens.
    fn notices_for(&self, req: &LockboxRequest, now: i64) -> Vec<Op> {
        let snap = self.snapshot();
        let mut people: BTreeSet<String> = BTreeSet::new();
        let team = |drive: &str, people: &mut BTreeSet<String>| {
            if let Some(d) = self.drive.get(drive).filter(|d| d.kind == DriveKind::Team) {
                for p in snap.dir.principals.values().filter(|p| p.tenant == d.tenant) {
                    if d.role_of(p).is_some() {
                        people.insert(p.id.clone());
                    }
                }
            }
        };
        match &req.scope {
            LockboxScope::DriveOf { principal, .. } => {
                people.insert(principal.clone());
            }
            LockboxScope::Folder { drive, personal: true, .. } => {
                people.insert(drive.clone());
            }
            LockboxScope::Drive { drive, .. } | LockboxScope::Folder { drive, .. } => team(drive, &mut people),
        }
        people
            .into_iter()
            .map(|p| {
                let n = Notice {
                    id: crate::new_id(),
                    at: now,
                    request: req.id.clone(),
                    requester: req.requester_login.clone(),
                    scope: req.scope.describe(),
                    actions: req.actions.clone(),
                    reason: req.reason.clone(),
                    case_ref: req.case_ref.clone(),
                    expires: req.expires,
                    text: format!(
                        "{} was allowed to {} {} until {} (case {}): {}",
                        req.requester_login,
                        actions_text(&req.actions).replace(", ", " and "),
                        req.scope.describe(),
                        rfc3339(req.expires.unwrap_or(now)),
                        req.case_ref,
                        req.reason
                    ),
                };
                Op::insert(NOTICE_KIND, &n.id, &req.tenant, Some(&p), &n)
            })
            .collect()
    }

    /// The caller's notices, newest first.
    pub async fn notices(&self, ctx: &Ctx) -> Result<Vec<Notice>> {
        self.gate(ctx, &Resource::Own).await?;
        let me = Self::me(ctx)?;
        let mut v: Vec<Notice> =
            self.store.list_owned(NOTICE_KIND, &me.id).await?.iter().map(|o| o.decode()).collect::<Result<_, _>>()?;
        v.sort_by_key(|n| std::cmp::Reverse(n.at));
        Ok(v)
    }

    pub async fn lockbox_settings(&self, ctx: &Ctx, tenant: &str) -> Result<LockboxSettings> {
        let (snap, _) = self.admin(ctx, tenant).await?;
        Ok(snap.dir.tenants[tenant].lockbox.clone())
    }

    /// Sets the tenant's approvers (by login), N, durations, notification.
    pub async fn set_lockbox_settings(
        &self,
        ctx: &Ctx,
        tenant: &str,
        mut s: LockboxSettings,
    ) -> Result<LockboxSettings> {
        let (snap, permit) = self.admin(ctx, tenant).await?;
        let mut ids = Vec::new();
        for a in &s.approvers {
            let p = snap
                .dir
                .principal_by_login(a)
                .or_else(|| snap.dir.principals.get(a))
                .filter(|p| p.tenant == tenant)
                .ok_or_else(|| ServiceError::invalid(format!("{a} is not a principal of this tenant.")))?;
            if !p.has_role(suveren_domain::Role::LockboxApprover) {
                return Err(ServiceError::invalid(format!("{} does not hold the lockbox approver role.", p.login)));
            }
            ids.push(p.id.clone());
        }
        ids.sort();
        ids.dedup();
        s.approvers = ids;
        s.validate().map_err(ServiceError::Invalid)?;
        let t = Tenant { lockbox: s.clone(), ..snap.dir.tenants[tenant].clone() };
        self.admin_commit(
            ctx,
            &permit,
            tenant,
            format!("tenant:{tenant}:lockbox"),
            vec![Op::put(kinds::TENANT, tenant, tenant, None, &t)],
        )
        .await?;
        Ok(s)
    }
}

impl App {
    /// Closes requests that lapsed or whose grant ran out, with a record in
    /// the tenant's log: the gate already refuses them by time, this makes
    /// the end visible where the approval is. Returns how many it closed.
    pub async fn lockbox_expire(&self) -> Result<usize> {
        let now = self.clock.now();
        let mut closed = 0;
        for o in self.store.list(LOCKBOX_KIND, None).await? {
            let mut r: LockboxRequest = o.decode()?;
            if r.closed_at.is_some() || r.status(now) != Status::Expired {
                continue;
            }
            let what = if r.state == Stored::Pending { "lapsed without a decision" } else { "grant ran out" };
            r.closed_at = Some(now);
            let mut b = Batch::new().op(Op::Swap {
                object: object(LOCKBOX_KIND, &r.id, &r.tenant, Some(&r.requester), &r),
                expected: o.body.clone(),
            });
            for t in BTreeSet::from([r.tenant.clone(), r.requester_tenant.clone()]) {
                b = b.audit(suveren_audit::Draft {
                    tenant: t,
                    time: crate::now_rfc3339(),
                    actor: "system".into(),
                    acting_under: None,
                    action: "lockbox.expire".into(),
                    resource: format!("lockbox:{}", r.id),
                    decision: Outcome::Allow,
                    reason: Some(what.into()),
                    client: None,
                });
            }
            match self.commit(b).await {
                Ok(_) => closed += 1,
                // Decided or revoked meanwhile: that record stands.
                Err(ServiceError::Store(StoreError::Stale { .. })) => {}
                Err(e) => return Err(e),
            }
        }
        if closed > 0 {
            self.load_grants().await?;
        }
        Ok(closed)
    }
}

/// Closes expired requests once a minute.
pub fn spawn_expiry(app: Arc<App>) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(std::time::Duration::from_secs(60));
        loop {
            tick.tick().await;
            if !app.job_turn(crate::installation::Job::LockboxExpiry, std::time::Duration::from_secs(150)).await {
                app.beats().beat(crate::installation::Job::LockboxExpiry);
                continue;
            }
            if let Err(e) = app.lockbox_expire().await {
                tracing::warn!(error = %e, "closing expired lockbox requests");
            }
            app.beats().beat(crate::installation::Job::LockboxExpiry);
        }
    })
}

fn stale(e: ServiceError) -> ServiceError {
    match e {
        ServiceError::Store(StoreError::Stale { .. }) => ServiceError::Conflict(crate::messages::LOCKBOX_STALE.into()),
        e => e,
    }
}

pub(crate) fn rfc3339(unix: i64) -> String {
    time::OffsetDateTime::from_unix_timestamp(unix)
        .ok()
        .and_then(|t| t.format(&time::format_description::well_known::Rfc3339).ok())
        .unwrap_or_default()
}
