//! The drive: personal drives (one per principal) and team drives (owned by
//! a group, members as owner, editor or viewer), files and folders with a
//! classification level each, versions, trash, shares, the change feed.
//!
//! Every operation resolves the caller's standing (drive role, or a share)
//! as *data*, asks the gate with a [`ContentRef`], and commits its change
//! together with the allow record. Contents are encrypted per blob (rule 6)
//! with a data key wrapped by the tenant's KEK, which the key provider wraps.
//! A blob is written completely (temp file, fsync, rename) before the
//! metadata that points at it is committed, so a crash never shows a
//! partial file: an unreferenced blob is swept, never read.

mod ops;
mod search;
mod share;
mod upload;

use std::collections::HashMap;
use std::sync::{Arc, RwLock};

use serde::{Deserialize, Serialize};
use suveren_audit::Outcome as AuditOutcome;
use suveren_blob::EncryptedBlobs;
use suveren_domain::Principal;
use suveren_policy::{AccessRole, Action, ContentRef, DriveRef, Resource};
use suveren_store::drive::{is_within, DriveConflict, DriveRow, Node, TenantQuota};
use suveren_store::Batch;
use tokio::sync::Mutex;

pub use ops::{ReadResult, TransferOpts, WriteOpts, WriteResult};
pub use search::{spawn_upkeep, FileHit};
pub use share::{LinkAccess, NewShare, ShareView, LINK_UNLOCK_FOR, LINK_UNLOCK_KIND};
pub use upload::{Upload, MAX_UPLOAD, UPLOAD_KIND};

use crate::{App, Ctx, Permit, Result, ServiceError, Snapshot};

pub const KEK_KIND: &str = "kek";

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DriveKind {
    Personal,
    Team,
}

/// A member of a team drive: a principal or a group, with a role.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Member {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub principal: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub group: Option<String>,
    pub role: AccessRole,
}

/// The drive document.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Drive {
    pub id: String,
    pub tenant: String,
    pub kind: DriveKind,
    /// The principal whose personal drive this is.
    #[serde(default)]
    pub owner: Option<String>,
    /// URL name: `/dav/drives/<slug>/` for team drives.
    pub slug: String,
    pub name: String,
    /// Classification rank of the drive's root: nothing in it is lower.
    pub level: u8,
    /// Bytes the drive may hold (live files, versions and trash).
    #[serde(default)]
    pub quota: Option<u64>,
    #[serde(default)]
    pub members: Vec<Member>,
    pub created: i64,
}

impl Drive {
    fn policy_ref(&self) -> DriveRef {
        match self.kind {
            DriveKind::Personal => DriveRef::Personal(self.owner.clone().unwrap_or_default()),
            DriveKind::Team => DriveRef::Team(self.id.clone()),
        }
    }

    /// The caller's role from ownership and membership (shares are separate).
    pub fn role_of(&self, p: &Principal) -> Option<AccessRole> {
        if p.tenant != self.tenant {
            return None;
        }
        match self.kind {
            DriveKind::Personal => (self.owner.as_deref() == Some(p.id.as_str())).then_some(AccessRole::Owner),
            DriveKind::Team => self
                .members
                .iter()
                .filter(|m| {
                    m.principal.as_deref() == Some(p.id.as_str())
                        || m.group.as_ref().is_some_and(|g| p.groups.iter().any(|pg| pg == g))
                })
                .map(|m| m.role)
                .max(),
        }
    }
}

/// The id of a principal's personal drive (deterministic, so that concurrent
/// first uses create it once).
pub fn personal_drive_id(principal: &str) -> String {
    format!("p-{principal}")
}

/// How a request names a drive.
#[derive(Debug, Clone, Copy)]
pub enum DriveSel<'a> {
    /// `/dav/files/<login>/`.
    Personal(&'a str),
    /// `/dav/drives/<slug>/`, in the caller's tenant.
    Team(&'a str),
    /// By id (REST).
    Id(&'a str),
}

/// A drive as seen by one caller.
#[derive(Debug, Clone)]
pub struct Place {
    pub drive: Arc<Drive>,
    /// From ownership or membership; shares are resolved per path.
    pub role: Option<AccessRole>,
}

#[derive(Default)]
struct DriveCache {
    by_id: HashMap<String, Arc<Drive>>,
    by_slug: HashMap<(String, String), String>,
}

/// Blob storage, keys and the drive cache.
pub struct DriveRuntime {
    pub blobs: EncryptedBlobs,
    /// Where content is kept, in words for the health view (a folder, or a
    /// bucket at an endpoint).
    pub(crate) place: String,
    /// Key providers and the tenants' KEKs in memory (`crate::keys`).
    pub(crate) keys: crate::keys::KeyRuntime,
    cache: RwLock<DriveCache>,
    pub(crate) personal_quota: Option<u64>,
    pub(crate) team_quota: Option<u64>,
    /// File-name search, derived from the change feed.
    pub(crate) index: Option<Arc<suveren_index::FileIndex>>,
    pub(crate) indexing: Mutex<()>,
}

impl DriveRuntime {
    pub(crate) async fn open(
        data_dir: &std::path::Path,
        store: &dyn suveren_store::Store,
        blobs: Arc<dyn suveren_blob::BlobStore>,
        place: String,
        personal_quota: Option<u64>,
        team_quota: Option<u64>,
    ) -> Result<Self> {
        let rt = DriveRuntime {
            place,
            blobs: EncryptedBlobs::new(blobs),
            keys: crate::keys::KeyRuntime::open(data_dir)?,
            cache: RwLock::new(DriveCache::default()),
            personal_quota,
            team_quota,
            index: Some(search::open(data_dir)?),
            indexing: Mutex::new(()),
        };
        rt.reload(store).await?;
        Ok(rt)
    }

    pub(crate) async fn reload(&self, store: &dyn suveren_store::Store) -> Result<()> {
        let rows = store.drives().await?;
        let mut cache = DriveCache::default();
        for r in rows {
            let d: Drive = serde_json::from_str(&r.body)
                .map_err(|e| ServiceError::Internal(format!("stored drive {} cannot be read: {e}", r.id)))?;
            cache.by_slug.insert((d.tenant.clone(), d.slug.clone()), d.id.clone());
            cache.by_id.insert(d.id.clone(), Arc::new(d));
        }
        *self.cache.write().unwrap_or_else(|e| e.into_inner()) = cache;
        Ok(())
    }

    /// Re-reads one drive after another node changed it (or forgets it when
    /// it is gone).
    pub(crate) async fn refresh(&self, store: &dyn suveren_store::Store, id: &str) -> Result<()> {
        match store.drive(id).await? {
            Some(r) => {
                let d: Drive = serde_json::from_str(&r.body)
                    .map_err(|e| ServiceError::Internal(format!("stored drive {} cannot be read: {e}", r.id)))?;
                self.remember(d);
            }
            None => {
                let mut c = self.cache.write().unwrap_or_else(|e| e.into_inner());
                c.by_slug.retain(|_, v| v != id);
                c.by_id.remove(id);
            }
        }
        Ok(())
    }

    fn remember(&self, d: Drive) -> Arc<Drive> {
        let d = Arc::new(d);
        let mut c = self.cache.write().unwrap_or_else(|e| e.into_inner());
        c.by_slug.retain(|_, id| *id != d.id);
        c.by_slug.insert((d.tenant.clone(), d.slug.clone()), d.id.clone());
        c.by_id.insert(d.id.clone(), d.clone());
        d
    }

    pub fn get(&self, id: &str) -> Option<Arc<Drive>> {
        self.cache.read().unwrap_or_else(|e| e.into_inner()).by_id.get(id).cloned()
    }

    fn by_slug(&self, tenant: &str, slug: &str) -> Option<Arc<Drive>> {
        let c = self.cache.read().unwrap_or_else(|e| e.into_inner());
        c.by_slug.get(&(tenant.to_string(), slug.to_string())).and_then(|id| c.by_id.get(id)).cloned()
    }

    /// Team drives of a tenant.
    pub fn team_drives(&self, tenant: &str) -> Vec<Arc<Drive>> {
        let c = self.cache.read().unwrap_or_else(|e| e.into_inner());
        let mut v: Vec<_> =
            c.by_id.values().filter(|d| d.tenant == tenant && d.kind == DriveKind::Team).cloned().collect();
        v.sort_by(|a, b| a.name.cmp(&b.name));
        v
    }
}

/// The refusal of a write when the blob volume is full; protocols that
/// have a status for it (WebDAV's 507) recognise it by this text.
pub const STORAGE_FULL: &str = "the server's storage is full; nothing was saved";

pub(crate) fn blob_err(e: suveren_blob::Error) -> ServiceError {
    match e {
        suveren_blob::Error::Io(io) if io.raw_os_error() == Some(28) => ServiceError::Unavailable(STORAGE_FULL.into()),
        other => ServiceError::Internal(format!("blob storage: {other}")),
    }
}

pub(crate) fn now_ms() -> i64 {
    (time::OffsetDateTime::now_utc().unix_timestamp_nanos() / 1_000_000) as i64
}

/// Validates and normalises a path inside a drive: `/`-separated names,
/// no empty, `.` or `..` segments, no control characters, no backslashes,
/// bounded lengths. The result starts with `/` and has no trailing slash.
pub fn clean_path(raw: &str) -> Result<String> {
    const MAX_NAME: usize = 255;
    const MAX_PATH: usize = 4096;
    if raw.len() > MAX_PATH {
        return Err(ServiceError::invalid(crate::messages::PATH_TOO_LONG));
    }
    let mut out = String::with_capacity(raw.len() + 1);
    for seg in raw.split('/').filter(|s| !s.is_empty()) {
        check_name(seg)?;
        if seg.len() > MAX_NAME {
            return Err(ServiceError::invalid(crate::messages::NAME_TOO_LONG));
        }
        out.push('/');
        out.push_str(seg);
    }
    if out.is_empty() {
        out.push('/');
    }
    Ok(out)
}

/// A single file or folder name.
pub fn check_name(name: &str) -> Result<()> {
    if name.is_empty() || name == "." || name == ".." {
        return Err(ServiceError::invalid(crate::messages::fill(crate::messages::NAME_INVALID, &[("name", name)])));
    }
    if name.chars().any(|c| c.is_control() || c == '/' || c == '\\') {
        return Err(ServiceError::invalid(crate::messages::NAME_CHARS));
    }
    if name.len() > 255 {
        return Err(ServiceError::invalid(crate::messages::NAME_TOO_LONG));
    }
    Ok(())
}

pub(crate) fn conflict(c: DriveConflict) -> ServiceError {
    ServiceError::Drive(c)
}

/// The caller's standing on one path: drive role, or the best share
/// covering the path.
#[derive(Debug, Clone)]
pub struct Standing {
    pub access: Option<AccessRole>,
    pub shared_by: Option<String>,
}

impl App {
    pub fn drives(&self) -> &DriveRuntime {
        &self.drive
    }

    /// Finds a drive by how the request names it. A personal drive is
    /// created on its owner's first use. Not-found here and a concealed
    /// denial later answer the same.
    pub async fn place(&self, ctx: &Ctx, sel: DriveSel<'_>) -> Result<Place> {
        let me = Self::me(ctx)?;
        let snap = self.snapshot();
        let drive = match sel {
            DriveSel::Personal(login) => {
                let p = snap.dir.principal_by_login(login).ok_or(ServiceError::NotFound)?;
                match self.drive.get(&personal_drive_id(&p.id)) {
                    Some(d) => d,
                    None if p.id == me.id => self.create_personal_drive(p).await?,
                    None => Arc::new(self.virtual_personal_drive(&snap, p)),
                }
            }
            DriveSel::Team(slug) => match self.drive.by_slug(&me.tenant, slug) {
                Some(d) => d,
                // A team drive of another tenant is reachable by URL only
                // for a holder of a lockbox grant naming it; the gate still
                // decides every access.
                None => ctx
                    .actor
                    .grants
                    .iter()
                    .filter_map(|g| match &g.scope {
                        suveren_policy::GrantScope::Drive(id)
                        | suveren_policy::GrantScope::Folder { drive: DriveRef::Team(id), .. } => {
                            self.drive.get(id).filter(|d| d.tenant == g.tenant && d.slug == slug)
                        }
                        _ => None,
                    })
                    .next()
                    .ok_or(ServiceError::NotFound)?,
            },
            DriveSel::Id(id) => self.drive.get(id).ok_or(ServiceError::NotFound)?,
        };
        Ok(Place { role: drive.role_of(me), drive })
    }

    /// What a personal drive would be, for gating requests to a drive that
    /// was never used (the answer must equal that for a used one).
    fn virtual_personal_drive(&self, snap: &Snapshot, p: &Principal) -> Drive {
        let level = snap.dir.tenants.get(&p.tenant).map(|_| 1).unwrap_or(1);
        Drive {
            id: personal_drive_id(&p.id),
            tenant: p.tenant.clone(),
            kind: DriveKind::Personal,
            owner: Some(p.id.clone()),
            slug: format!("~{}", p.id),
            name: p.name.clone(),
            level,
            quota: self.drive.personal_quota,
            members: Vec::new(),
            created: 0,
        }
    }

    pub(crate) async fn create_personal_drive(&self, p: &Principal) -> Result<Arc<Drive>> {
        let snap = self.snapshot();
        let mut d = self.virtual_personal_drive(&snap, p);
        d.created = now_ms();
        let row = DriveRow {
            id: d.id.clone(),
            tenant: d.tenant.clone(),
            slug: d.slug.clone(),
            body: serde_json::to_string(&d).expect("drives serialise"),
            used: 0,
        };
        match self.store.create_drive(&row, d.level, d.created, Vec::new()).await? {
            Ok(_) => Ok(self.drive.remember(d)),
            // Created concurrently: use the stored one.
            Err(DriveConflict::Exists(_)) => {
                self.drive.refresh(self.store.as_ref(), &d.id).await?;
                self.drive.get(&d.id).ok_or(ServiceError::NotFound)
            }
            Err(c) => Err(conflict(c)),
        }
    }

    /// Creates a team drive owned by `group` (its members get `role`).
    pub async fn create_team_drive(
        &self,
        ctx: &Ctx,
        name: &str,
        slug: &str,
        level: u8,
        members: Vec<Member>,
    ) -> Result<Arc<Drive>> {
        let me = Self::me(ctx)?;
        let tenant = me.tenant.clone();
        let permit = self.gate(ctx, &Resource::Tenant(&tenant)).await?;
        check_name(name)?;
        if slug.is_empty()
            || slug.len() > 64
            || !slug.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        {
            return Err(ServiceError::invalid("a drive's URL name uses a–z, 0–9 and `-` (at most 64)"));
        }
        let snap = self.snapshot();
        if snap.dir.tenants.get(&tenant).and_then(|t| t.scheme.level(level)).is_none() {
            return Err(ServiceError::invalid(format!("level {level} is not in the tenant's classification scheme")));
        }
        for m in &members {
            let known = match (&m.principal, &m.group) {
                (Some(p), None) => snap.dir.principals.get(p).is_some_and(|p| p.tenant == tenant),
                (None, Some(g)) => snap.dir.groups.get(g).is_some_and(|g| g.tenant == tenant),
                _ => false,
            };
            if !known {
                return Err(ServiceError::invalid("each member is one principal or one group of this tenant"));
            }
        }
        let d = Drive {
            id: crate::new_id(),
            tenant: tenant.clone(),
            kind: DriveKind::Team,
            owner: None,
            slug: slug.into(),
            name: name.into(),
            level,
            quota: self.drive.team_quota,
            members,
            created: now_ms(),
        };
        let empty = Drive { members: Vec::new(), ..d.clone() };
        self_grant_check(me, &empty, &d)?;
        let row = DriveRow {
            id: d.id.clone(),
            tenant: tenant.clone(),
            slug: d.slug.clone(),
            body: serde_json::to_string(&d).expect("drives serialise"),
            used: 0,
        };
        let mut draft = self.allowed(ctx, &permit, &tenant);
        draft.resource = format!("drive:{tenant}:{}", d.slug);
        let (_, recs) = self.store.create_drive(&row, level, d.created, vec![draft]).await?.map_err(conflict)?;
        self.after_commit(&recs).await?;
        let d = self.drive.remember(d);
        self.announce(&crate::cluster::drive_topic(&d.id)).await;
        Ok(d)
    }

    /// Changes a drive's members, quota or name (tenant admins).
    pub async fn update_team_drive(&self, ctx: &Ctx, id: &str, f: impl FnOnce(&mut Drive)) -> Result<Arc<Drive>> {
        let me = Self::me(ctx)?;
        let tenant = me.tenant.clone();
        let permit = self.gate(ctx, &Resource::Tenant(&tenant)).await?;
        let cur = self
            .drive
            .get(id)
            .filter(|d| d.tenant == tenant && d.kind == DriveKind::Team)
            .ok_or(ServiceError::NotFound)?;
        let mut d = (*cur).clone();
        f(&mut d);
        self_grant_check(me, &cur, &d)?;
        d.id = cur.id.clone();
        d.tenant = cur.tenant.clone();
        d.kind = cur.kind;
        if d.level < cur.level {
            return Err(ServiceError::invalid("a drive's level cannot be lowered here; declassify items instead"));
        }
        let row = DriveRow {
            id: d.id.clone(),
            tenant: tenant.clone(),
            slug: d.slug.clone(),
            body: serde_json::to_string(&d).expect("drives serialise"),
            used: 0,
        };
        let mut draft = self.allowed(ctx, &permit, &tenant);
        draft.resource = format!("drive:{tenant}:{}", d.slug);
        let (_, recs) = self.store.update_drive(&row, vec![draft]).await?.map_err(conflict)?;
        if d.level > cur.level {
            let (_, r2) =
                self.store.set_level(&tenant, &d.id, "/", d.level, now_ms(), Vec::new()).await?.map_err(conflict)?;
            self.after_commit(&r2).await?;
        }
        self.after_commit(&recs).await?;
        let d = self.drive.remember(d);
        self.announce(&crate::cluster::drive_topic(&d.id)).await;
        Ok(d)
    }

    /// The caller's standing on `path`: their drive role, else the best live
    /// share covering the path (re-checked by the gate at every access).
    pub(crate) async fn standing(&self, ctx: &Ctx, place: &Place, path: &str) -> Result<Standing> {
        if place.role.is_some() {
            return Ok(Standing { access: place.role, shared_by: None });
        }
        let Some(me) = ctx.actor.principal.as_ref() else {
            return Ok(Standing { access: None, shared_by: None });
        };
        let mut targets = vec![("principal".to_string(), me.id.clone())];
        targets.extend(me.groups.iter().map(|g| ("group".to_string(), g.clone())));
        let now = now_ms();
        let best = self
            .store
            .shares_for(&targets)
            .await?
            .into_iter()
            .filter(|s| s.drive == place.drive.id && is_within(path, &s.path) && s.expires.is_none_or(|e| e > now))
            .max_by_key(|s| share::role_rank(&s.role));
        Ok(match best {
            Some(s) => Standing { access: share::parse_role(&s.role), shared_by: Some(s.created_by) },
            None => Standing { access: None, shared_by: None },
        })
    }

    /// Asks the gate about `action` on `path` at `level`.
    pub(crate) async fn gate_content(
        &self,
        ctx: &Ctx,
        action: Action,
        place: &Place,
        path: &str,
        level: u8,
        standing: &Standing,
    ) -> Result<Permit> {
        let c = ContentRef {
            tenant: place.drive.tenant.clone(),
            drive: place.drive.policy_ref(),
            path: path.to_string(),
            level,
            access: standing.access,
            shared_by: standing.shared_by.clone(),
        };
        self.gate_as(ctx, action, &Resource::Content(&c)).await
    }

    /// Whether the caller may see an item at `level` (for filtering listings
    /// and search without auditing each entry).
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn may(
        &self,
        snap: &Snapshot,
        ctx: &Ctx,
        action: Action,
        place: &Place,
        path: &str,
        level: u8,
        standing: &Standing,
    ) -> bool {
        let c = ContentRef {
            tenant: place.drive.tenant.clone(),
            drive: place.drive.policy_ref(),
            path: path.to_string(),
            level,
            access: standing.access,
            shared_by: standing.shared_by.clone(),
        };
        suveren_policy::authorize(&snap.dir, &ctx.actor, action, &Resource::Content(&c), self.clock.now()).is_allow()
    }

    /// Commits an allow record on its own (reads, and listings under a
    /// lockbox grant).
    pub(crate) async fn record_allow(&self, ctx: &Ctx, permit: &Permit, tenant: &str) -> Result<()> {
        self.commit(Batch::new().audit(self.allowed(ctx, permit, tenant))).await?;
        Ok(())
    }

    pub(crate) fn record_deny(&self, ctx: &Ctx, tenant: &str, resource: String, reason: String) -> Batch {
        Batch::new().audit(self.draft(ctx, tenant, resource, AuditOutcome::Deny, Some(reason)))
    }

    /// Refuses an administrator's change of their own groups that would open
    /// a Confidential or Restricted team drive to them (rule 4).
    pub(crate) fn no_self_grant(&self, before: &Principal, after: &Principal) -> Result<()> {
        for d in self.drive.team_drives(&after.tenant) {
            if d.level >= 2 && d.role_of(after) > d.role_of(before) {
                return Err(ServiceError::Denied(
                    suveren_policy::Denial::open(suveren_policy::Rule::Lockbox, "deny-self-grant-drive")
                        .with("drive", d.name.as_str()),
                ));
            }
        }
        Ok(())
    }

    /// Bytes used and the drive's quota.
    pub async fn usage(&self, place: &Place) -> Result<(u64, Option<u64>)> {
        let used = self.store.drive(&place.drive.id).await?.map(|r| r.used).unwrap_or(0);
        Ok((used, place.drive.quota))
    }

    /// Bytes used in the drive and the most it can hold now: its own quota,
    /// or less when the tenant's quota leaves less room (what a WebDAV
    /// client is told as `quota-available-bytes`).
    pub async fn room(&self, place: &Place) -> Result<(u64, Option<u64>)> {
        let (used, quota) = self.usage(place).await?;
        let Some(t) = self.tenant_quota(&place.drive.tenant) else { return Ok((used, quota)) };
        let free = t.bytes.saturating_sub(self.store.tenant_used(&place.drive.tenant).await?);
        let by_tenant = used.saturating_add(free);
        Ok((used, Some(quota.map_or(by_tenant, |q| q.min(by_tenant)))))
    }

    /// The tenant's quota as writes check it (`None`: unlimited). It is
    /// the operator's setting in the directory, so reading it costs nothing.
    pub(crate) fn tenant_quota(&self, tenant: &str) -> Option<TenantQuota> {
        let snap = self.snapshot();
        let t = snap.dir.tenants.get(tenant)?;
        t.quota_bytes.map(|bytes| TenantQuota { bytes, name: t.name.clone() })
    }

    /// Refuses, before a body arrives, `size` more bytes that the drive's
    /// or the tenant's quota has no room for. Only a courtesy to the client:
    /// the store checks both again inside the write's own transaction.
    pub(crate) async fn quota_precheck(&self, place: &Place, size: u64) -> Result<()> {
        if let Some(quota) = place.drive.quota {
            let (used, _) = self.usage(place).await?;
            if used.saturating_add(size) > quota {
                return Err(conflict(DriveConflict::Quota { needed: size, available: quota.saturating_sub(used) }));
            }
        }
        if let Some(q) = self.tenant_quota(&place.drive.tenant) {
            let used = self.store.tenant_used(&place.drive.tenant).await?;
            if used.saturating_add(size) > q.bytes {
                return Err(conflict(DriveConflict::TenantQuota {
                    tenant: q.name,
                    quota: q.bytes,
                    needed: size,
                    available: q.bytes.saturating_sub(used),
                }));
            }
        }
        Ok(())
    }

    /// Drives the caller can open: their own, their team drives.
    pub async fn my_drives(&self, ctx: &Ctx) -> Result<Vec<(Arc<Drive>, AccessRole)>> {
        let me = Self::me(ctx)?.clone();
        let mut out = Vec::new();
        if me.tenant != suveren_domain::OPERATOR_REALM {
            let own = match self.drive.get(&personal_drive_id(&me.id)) {
                Some(d) => d,
                None => self.create_personal_drive(&me).await?,
            };
            out.push((own, AccessRole::Owner));
        }
        for d in self.drive.team_drives(&me.tenant) {
            if let Some(r) = d.role_of(&me) {
                out.push((d, r));
            }
        }
        Ok(out)
    }

    /// A tenant's team drives with the bytes each holds, for whoever the
    /// gate lets act on the tenant under the caller's action (tenant
    /// administrators with `drive.manage`): names, members, levels and
    /// quotas, never content.
    pub async fn tenant_drives(&self, ctx: &Ctx, tenant: &str) -> Result<Vec<(Arc<Drive>, u64)>> {
        self.admin(ctx, tenant).await?;
        let mut out = Vec::new();
        for d in self.drive.team_drives(tenant) {
            let used = self.store.drive(&d.id).await?.map(|r| r.used).unwrap_or(0);
            out.push((d, used));
        }
        Ok(out)
    }
}

/// A tenant administrator may manage a drive's members but not make
/// themselves one of a Confidential or Restricted drive: that would be
/// content access without a lockbox grant (rule 4). Another administrator
/// can; both acts are audited.
fn self_grant_check(me: &Principal, before: &Drive, after: &Drive) -> Result<()> {
    if after.level < 2 {
        return Ok(());
    }
    let was = before.role_of(me);
    let now = after.role_of(me);
    if now.is_some() && now > was {
        return Err(ServiceError::Denied(suveren_policy::Denial::open(
            suveren_policy::Rule::Lockbox,
            "deny-self-grant-level",
        )));
    }
    Ok(())
}

/// A node as the API shows it.
pub fn node_json(n: &Node) -> serde_json::Value {
    serde_json::json!({
        "id": n.id,
        "path": n.path,
        "name": n.name,
        "dir": n.dir,
        "level": n.level,
        "size": n.size,
        "etag": n.etag,
        "mime": n.mime,
        "created": n.created,
        "modified": n.modified,
    })
}
