//! Retention, legal hold and GDPR erasure (Art. 17).
//!
//! - **Retention** per classification level ([`suveren_domain::classification::Retention`]):
//!   a user's delete or purge of something younger than its level's minimum
//!   is refused with the date it may go; the retention job
//!   ([`App::run_retention`]) moves files past their maximum to the trash
//!   (recoverable for the trash period, so a wrong setting can be undone),
//!   prunes versions past their age and purges trash past its period.
//! - **Legal hold** on a principal, a drive or a folder suspends deletion,
//!   purge, version pruning and the job for everything it covers, whatever
//!   the retention rules say. Tenant administrators create and release holds
//!   with a reason and case reference; both are audited.
//! - **Erasure** of a principal deletes their personal drive (files,
//!   versions, trash; blobs queued for the sweeper), their shares and links,
//!   sessions, app passwords, credential (password, TOTP, recovery codes) and
//!   the principal record, except what a hold or a minimum retention keeps,
//!   and reports both. File names are content (rule 4): the report names a
//!   kept file only where the gate lets the caller list it (a live lockbox
//!   grant, a share); otherwise it counts the kept files per drive and
//!   reason, as the GDPR export does. The audit log is not erased: it is
//!   itself a legal record (Art. 17(3)(b) and (e)), append-only by
//!   construction.
//!
//! The decisions are [`suveren_domain::retention::keep`]; this module only
//! gathers the data and commits batches. The job and erasure work in bounded
//! batches, each one transaction with its audit records (and, for the job,
//! its persisted cursor), so both resume after a restart. The store checks
//! inside each batch's transaction that the tenant's holds are the ones the
//! batch was planned with, so a hold created meanwhile always wins.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::Arc;

use serde::{Deserialize, Serialize};
use suveren_audit::{Draft, Outcome};
use suveren_domain::retention::{keep, HoldRelease, HoldScope, Item, Keep, LegalHold, DAY_MS};
use suveren_domain::{Level, Principal};
use suveren_policy::{Denial, Rule};
use suveren_store::drive::Node;
use suveren_store::retention::{hold_fingerprint, Removal, HOLD_KIND};
use suveren_store::{Batch, Op};

use crate::drive::{personal_drive_id, Drive, DriveKind, Place};
use crate::snapshot::kinds;
use crate::{new_id, now_rfc3339, App, Ctx, Result, ServiceError};

/// The actor of the retention job's audit records.
pub const SYSTEM_ACTOR: &str = "system:retention";
/// Items per batch (one transaction each).
pub const BATCH: u32 = 200;
const CURSOR: &str = "retention";

/// How a request names what a hold covers.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum HoldTarget {
    /// A principal, by login: their personal drive and the files they wrote.
    Principal(String),
    /// A team drive by URL name or id, or a personal drive by its owner's login.
    Drive(String),
    /// A folder of such a drive.
    Folder { drive: String, path: String },
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HoldInput {
    pub scope: HoldTarget,
    pub reason: String,
    pub case_ref: String,
}

/// What one run (or step) of the retention job did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct RetentionReport {
    /// Trash entries purged.
    pub purged: u64,
    /// Earlier versions pruned.
    pub versions: u64,
    /// Files past their maximum moved to the trash.
    pub expired: u64,
    /// Bytes released to the blob sweeper.
    pub bytes: u64,
    /// Items due that a legal hold kept.
    pub kept_held: u64,
    /// Items due for purge that a minimum retention kept.
    pub kept_min: u64,
    pub batches: u64,
    /// The pass reached the end (the cursor is cleared).
    pub done: bool,
}

/// One item erasure kept, and why (named: the caller may list it).
#[derive(Debug, Clone, Serialize)]
pub struct KeptItem {
    pub path: String,
    pub trashed: bool,
    pub size: u64,
    #[serde(flatten)]
    pub reason: Keep,
}

/// Files erasure kept in one drive for one reason, counted without their
/// names: what the caller may not list (file names are content; an
/// administrator sees them only under a live lockbox grant).
#[derive(Debug, Clone, Serialize)]
pub struct KeptCount {
    /// The drive's name and id.
    pub drive: String,
    pub drive_id: String,
    pub files: u64,
    /// Of those, how many are in the trash.
    pub trashed: u64,
    pub bytes: u64,
    /// The hold with its case reference, or the retention rule with the
    /// date its files may go (the latest, where several are counted).
    #[serde(flatten)]
    pub reason: Keep,
    /// Why the names are not shown.
    pub withheld: String,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct ErasedCounts {
    pub files: u64,
    pub folders: u64,
    pub versions: u64,
    pub trash_entries: u64,
    pub shares: u64,
    pub bytes: u64,
    pub sessions: u64,
    pub app_passwords: u64,
    /// Password hash, TOTP secret and recovery codes.
    pub credential: bool,
    pub principal_record: bool,
}

/// The answer of an erasure, also summarised in its audit record.
#[derive(Debug, Clone, Serialize)]
pub struct ErasureReport {
    pub login: String,
    pub tenant: String,
    pub dry_run: bool,
    pub erased: ErasedCounts,
    /// Kept files the caller may list, by name.
    pub kept: Vec<KeptItem>,
    /// Kept files the caller may not list: counts per drive and reason.
    pub kept_counts: Vec<KeptCount>,
    /// What is not erased, on purpose.
    pub notes: Vec<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
enum Phase {
    Trash,
    Versions,
    Files,
}

#[derive(Debug, Clone, Copy, Serialize, Deserialize)]
struct Cursor {
    phase: Phase,
    after: i64,
}

/// The refusal for what keeps an item; `path` names the item when it is not
/// the one asked for (an item inside a folder being deleted).
fn kept(k: &Keep, path: Option<&str>) -> Denial {
    let d = match (k, path) {
        (Keep::Hold { case_ref, since, .. }, p) => {
            Denial::open(Rule::Retention, if p.is_some() { "deny-legal-hold-path" } else { "deny-legal-hold" })
                .with("case", case_ref.as_str())
                .with("since", suveren_domain::retention::date(*since))
        }
        (Keep::MinRetention { level, until, .. }, p) => {
            Denial::open(Rule::Retention, if p.is_some() { "deny-min-retention-path" } else { "deny-min-retention" })
                .with("until", suveren_domain::retention::date(*until))
                .with("level", level.as_str())
        }
    };
    match path {
        Some(p) => d.with("path", p),
        None => {
            debug_assert_eq!(d.message, k.message());
            d
        }
    }
}

fn system_draft(tenant: &str, action: &str, resource: String, reason: String) -> Draft {
    Draft {
        tenant: tenant.into(),
        time: now_rfc3339(),
        actor: SYSTEM_ACTOR.into(),
        acting_under: None,
        action: action.into(),
        resource,
        decision: Outcome::Allow,
        reason: Some(reason),
        client: None,
    }
}

/// The audit name of a path in a drive, as the gate writes it.
fn content_name(d: &Drive, path: &str) -> String {
    match d.kind {
        DriveKind::Personal => format!("content:{}:personal/{}{}", d.tenant, d.owner.as_deref().unwrap_or(""), path),
        DriveKind::Team => format!("content:{}:drive/{}{}", d.tenant, d.id, path),
    }
}

fn item<'a>(d: &'a Drive, n: &'a Node) -> Item<'a> {
    Item {
        drive: &d.id,
        personal_owner: if d.kind == DriveKind::Personal { d.owner.as_deref() } else { None },
        path: &n.path,
        author: n.author.as_deref(),
        dir: n.dir,
        created: n.created,
    }
}

fn text(what: &str, s: &str, max: usize) -> Result<String> {
    let t = s.trim();
    if t.is_empty() || t.chars().count() > max || t.chars().any(char::is_control) {
        return Err(ServiceError::invalid(format!("`{what}` is 1 to {max} characters without control characters")));
    }
    Ok(t.to_string())
}

/// The tenant's holds, active first then by creation.
struct Holds {
    all: Vec<LegalHold>,
    fingerprint: String,
}

impl Holds {
    fn active(&self) -> Vec<LegalHold> {
        self.all.iter().filter(|h| h.active()).cloned().collect()
    }
}

impl App {
    async fn holds(&self, tenant: &str) -> Result<Holds> {
        let docs = self.store.list(HOLD_KIND, Some(tenant)).await?;
        let fingerprint = hold_fingerprint(&docs.iter().map(|o| (o.key.clone(), o.body.clone())).collect::<Vec<_>>());
        let mut all = docs.iter().map(|o| o.decode::<LegalHold>()).collect::<suveren_store::Result<Vec<_>>>()?;
        all.sort_by_key(|h| (!h.active(), h.created));
        Ok(Holds { all, fingerprint })
    }

    fn level_of(&self, tenant: &str, rank: u8) -> Option<Level> {
        self.snapshot().dir.tenants.get(tenant).and_then(|t| t.scheme.level(rank)).cloned()
    }

    /// Resolves how a request names a drive, inside `tenant`.
    fn hold_drive(&self, tenant: &str, name: &str) -> Result<String> {
        if name.contains('@') {
            let snap = self.snapshot();
            let p = snap
                .dir
                .principal_by_login(&name.trim().to_lowercase())
                .filter(|p| p.tenant == tenant)
                .ok_or(ServiceError::NotFound)?;
            return Ok(personal_drive_id(&p.id));
        }
        if let Some(d) = self.drive.get(name).filter(|d| d.tenant == tenant) {
            return Ok(d.id.clone());
        }
        self.drive
            .team_drives(tenant)
            .into_iter()
            .find(|d| d.slug == name)
            .map(|d| d.id.clone())
            .ok_or(ServiceError::NotFound)
    }

    /// The tenant's active holds, for other services that destroy data
    /// (tenant off-boarding must not shred what a hold keeps).
    pub async fn active_holds(&self, tenant: &str) -> Result<Vec<LegalHold>> {
        Ok(self.holds(tenant).await?.active())
    }

    /// `GET /api/v1/tenants/{tenant}/legal-holds`: active holds first.
    pub async fn list_holds(&self, ctx: &Ctx, tenant: &str) -> Result<Vec<LegalHold>> {
        self.admin(ctx, tenant).await?;
        Ok(self.holds(tenant).await?.all)
    }

    /// Places a legal hold; from the commit on, nothing it covers is
    /// deleted, purged, pruned or expired.
    pub async fn create_hold(&self, ctx: &Ctx, tenant: &str, inp: &HoldInput) -> Result<LegalHold> {
        let (snap, permit) = self.admin(ctx, tenant).await?;
        let reason = text("reason", &inp.reason, 500)?;
        let case_ref = text("case_ref", &inp.case_ref, 100)?;
        let scope = match &inp.scope {
            HoldTarget::Principal(login) => {
                let p = snap
                    .dir
                    .principal_by_login(&login.trim().to_lowercase())
                    .filter(|p| p.tenant == tenant)
                    .ok_or_else(|| ServiceError::invalid(format!("There is no principal `{login}` in this tenant.")))?;
                HoldScope::Principal { id: p.id.clone(), login: p.login.clone() }
            }
            HoldTarget::Drive(name) => HoldScope::Drive { drive: self.hold_drive(tenant, name)? },
            HoldTarget::Folder { drive, path } => {
                let path = crate::drive::clean_path(path)?;
                HoldScope::Folder { drive: self.hold_drive(tenant, drive)?, path }
            }
        };
        let hold = LegalHold {
            id: new_id(),
            tenant: tenant.into(),
            scope,
            reason: reason.clone(),
            case_ref: case_ref.clone(),
            created_by: ctx.actor.login().into(),
            created: crate::drive::now_ms(),
            released: None,
        };
        let mut d = self.allowed(ctx, &permit, tenant);
        d.resource = format!("legal_hold:{}", hold.id);
        d.reason = Some(format!("hold placed (case {case_ref}): {reason}"));
        self.commit(Batch::new().op(Op::insert(HOLD_KIND, &hold.id, tenant, None, &hold)).audit(d)).await?;
        Ok(hold)
    }

    /// Releases a hold; what it kept falls under the retention rules again.
    pub async fn release_hold(&self, ctx: &Ctx, tenant: &str, id: &str, note: &str) -> Result<LegalHold> {
        let (_, permit) = self.admin(ctx, tenant).await?;
        let note = text("note", note, 500)?;
        let obj = self.store.get(HOLD_KIND, id).await?.filter(|o| o.tenant == tenant).ok_or(ServiceError::NotFound)?;
        let mut hold: LegalHold = obj.decode()?;
        if let Some(r) = &hold.released {
            return Err(ServiceError::Conflict(format!(
                "This hold was released on {} by {}.",
                suveren_domain::retention::date(r.at),
                r.by
            )));
        }
        hold.released =
            Some(HoldRelease { by: ctx.actor.login().into(), at: crate::drive::now_ms(), note: note.clone() });
        let mut d = self.allowed(ctx, &permit, tenant);
        d.resource = format!("legal_hold:{id}");
        d.reason = Some(format!("hold released (case {}): {note}", hold.case_ref));
        let op = Op::Swap { object: suveren_store::object(HOLD_KIND, id, tenant, None, &hold), expected: obj.body };
        self.commit(Batch::new().op(op).audit(d)).await.map_err(|e| match e {
            ServiceError::Store(suveren_store::StoreError::Stale { .. }) => {
                ServiceError::Conflict(crate::messages::HOLD_STALE.into())
            }
            e => e,
        })?;
        Ok(hold)
    }

    /// Refuses (and records) deleting or purging `nodes` when a hold or a
    /// minimum retention keeps any of them.
    pub(crate) async fn retention_guard(
        &self,
        ctx: &Ctx,
        place: &Place,
        resource: String,
        asked: &str,
        nodes: &[Node],
    ) -> Result<()> {
        let holds = self.holds(&place.drive.tenant).await?.active();
        let now = crate::drive::now_ms();
        for n in nodes {
            let level = self.level_of(&place.drive.tenant, n.level);
            if let Some(k) = keep(&item(&place.drive, n), level.as_ref(), &holds, now) {
                let d = kept(&k, (n.path != asked).then_some(n.path.as_str()));
                let reason = format!("{}: {}", d.rule.as_str(), d.message);
                self.commit(self.record_deny(ctx, &place.drive.tenant, resource, reason)).await?;
                return Err(ServiceError::Denied(d));
            }
        }
        Ok(())
    }

    /// Refuses (and records) a move that would take held content out of
    /// its hold's reach.
    pub(crate) async fn hold_move_guard(
        &self,
        ctx: &Ctx,
        src: &Place,
        from: &str,
        dst: &Place,
        to: &str,
        resource: String,
    ) -> Result<()> {
        let holds = self.holds(&src.drive.tenant).await?.active();
        let owner = if src.drive.kind == DriveKind::Personal { src.drive.owner.as_deref() } else { None };
        if let Some(h) = holds.iter().find(|h| h.escapes(&src.drive.id, owner, from, &dst.drive.id, to)) {
            let d = Denial::open(Rule::Retention, "deny-legal-hold-move")
                .with("case", h.case_ref.as_str())
                .with("since", suveren_domain::retention::date(h.created));
            debug_assert!(d.message.starts_with(&h.refusal()));
            let reason = format!("{}: {}", d.rule.as_str(), d.message);
            self.commit(self.record_deny(ctx, &src.drive.tenant, resource, reason)).await?;
            return Err(ServiceError::Denied(d));
        }
        Ok(())
    }

    /// Whether a hold covers the file at `path` (then writes keep every
    /// earlier version).
    pub(crate) async fn held(&self, place: &Place, path: &str) -> Result<bool> {
        let holds = self.holds(&place.drive.tenant).await?.active();
        if holds.is_empty() {
            return Ok(false);
        }
        let Some(n) = self.store.node(&place.drive.id, path).await? else { return Ok(false) };
        Ok(holds.iter().any(|h| h.covers(&item(&place.drive, &n))))
    }

    /// Where the retention job's current pass stands (`None`: between passes).
    pub async fn retention_cursor(&self) -> Result<Option<String>> {
        Ok(self.store.retention_cursor(CURSOR).await?)
    }

    /// Runs the retention job once, as of `now` (unix ms): from the saved
    /// cursor to the end of the pass, batch by batch. Tests pass a future
    /// `now` instead of waiting.
    pub async fn run_retention(&self, now: i64) -> Result<RetentionReport> {
        let _one = RUNNING.lock().await;
        let mut total = RetentionReport::default();
        loop {
            let r = self.retention_batch(now, BATCH).await?;
            total.purged += r.purged;
            total.versions += r.versions;
            total.expired += r.expired;
            total.bytes += r.bytes;
            total.kept_held += r.kept_held;
            total.kept_min += r.kept_min;
            total.batches += r.batches;
            if r.done {
                total.done = true;
                break;
            }
        }
        self.sweep_blobs().await;
        Ok(total)
    }

    /// One batch of the retention job: at most `limit` items of the current
    /// phase, one transaction that also moves the cursor. Public so that a
    /// test can stop half-way and show the next run resumes.
    pub async fn retention_step(&self, now: i64, limit: u32) -> Result<RetentionReport> {
        let _one = RUNNING.lock().await;
        self.retention_batch(now, limit).await
    }

    async fn retention_batch(&self, now: i64, limit: u32) -> Result<RetentionReport> {
        for _ in 0..5 {
            if let Some(r) = self.plan_and_apply(now, limit.max(1)).await? {
                return Ok(r);
            }
            // A hold changed between planning and applying: plan again.
        }
        Err(ServiceError::Conflict("legal holds keep changing; the retention job will try again later".into()))
    }

    async fn plan_and_apply(&self, now: i64, limit: u32) -> Result<Option<RetentionReport>> {
        let cur: Cursor = match self.store.retention_cursor(CURSOR).await? {
            Some(s) => serde_json::from_str(&s).unwrap_or(Cursor { phase: Phase::Trash, after: 0 }),
            None => Cursor { phase: Phase::Trash, after: 0 },
        };
        let mut report = RetentionReport { batches: 1, ..Default::default() };
        let mut removal = Removal { now, ..Default::default() };
        let mut holds: HashMap<String, Holds> = HashMap::new();
        let mut touched: BTreeSet<String> = BTreeSet::new();
        let snap = self.snapshot();
        let level = |tenant: &str, rank: u8| snap.dir.tenants.get(tenant).and_then(|t| t.scheme.level(rank)).cloned();
        let next = match cur.phase {
            Phase::Trash => {
                let page = self.store.trash_page(cur.after, limit).await?;
                for (_, tenant, e) in &page {
                    // Without its tenant's scheme there is no rule to go by.
                    let Some(d) = self.drive.get(&e.drive).filter(|_| snap.dir.tenants.contains_key(tenant)) else {
                        continue;
                    };
                    let nodes = self.store.trash_nodes(&e.id).await?;
                    let mut days = 0u32;
                    let mut name = String::new();
                    for n in &nodes {
                        if let Some(l) = level(tenant, n.level) {
                            let t = l.retention_rules().trash_days;
                            if t >= days {
                                days = t;
                                name = l.name.clone();
                            }
                        }
                    }
                    if now < e.deleted.saturating_add(i64::from(days) * DAY_MS) {
                        continue;
                    }
                    if !holds.contains_key(tenant) {
                        holds.insert(tenant.clone(), self.holds(tenant).await?);
                    }
                    let active = holds[tenant].active();
                    let kept =
                        nodes.iter().find_map(|n| keep(&item(&d, n), level(tenant, n.level).as_ref(), &active, now));
                    match kept {
                        Some(Keep::Hold { .. }) => report.kept_held += 1,
                        Some(Keep::MinRetention { .. }) => report.kept_min += 1,
                        None => {
                            touched.insert(tenant.clone());
                            removal.purge.push((e.drive.clone(), e.id.clone()));
                            removal.audit.push(system_draft(
                                tenant,
                                "retention.purge",
                                content_name(&d, &e.path),
                                format!("in the trash since {}; trash is kept {days} days under the retention rule for {name}", suveren_domain::retention::date(e.deleted)),
                            ));
                        }
                    }
                }
                page.last()
                    .map(|(rid, _, _)| Cursor { phase: Phase::Trash, after: *rid })
                    .unwrap_or(Cursor { phase: Phase::Versions, after: 0 })
            }
            Phase::Versions => {
                let page = self.store.versions_page(cur.after, limit).await?;
                for (v, n) in &page {
                    let Some(d) = self.drive.get(&n.drive) else { continue };
                    let Some(l) = level(&d.tenant, n.level) else { continue };
                    let days = l.retention_rules().version_max_days;
                    if now < v.replaced.saturating_add(i64::from(days) * DAY_MS) {
                        continue;
                    }
                    if !holds.contains_key(&d.tenant) {
                        holds.insert(d.tenant.clone(), self.holds(&d.tenant).await?);
                    }
                    if holds[&d.tenant].active().iter().any(|h| h.covers(&item(&d, n))) {
                        report.kept_held += 1;
                        continue;
                    }
                    touched.insert(d.tenant.clone());
                    removal.versions.push(v.id);
                    removal.audit.push(system_draft(
                        &d.tenant,
                        "retention.version_prune",
                        content_name(&d, &n.path),
                        format!(
                            "version {} replaced on {}; versions are kept {days} days under the retention rule for {}",
                            v.id,
                            suveren_domain::retention::date(v.replaced),
                            l.name
                        ),
                    ));
                }
                page.last()
                    .map(|(v, _)| Cursor { phase: Phase::Versions, after: v.id })
                    .unwrap_or(Cursor { phase: Phase::Files, after: 0 })
            }
            Phase::Files => {
                let page = self.store.files_page(cur.after, limit).await?;
                for n in &page {
                    let Some(d) = self.drive.get(&n.drive) else { continue };
                    let Some(l) = level(&d.tenant, n.level) else { continue };
                    let Some(max) = l.retention_rules().file_max_days else { continue };
                    if now < n.created.saturating_add(i64::from(max) * DAY_MS) {
                        continue;
                    }
                    if !holds.contains_key(&d.tenant) {
                        holds.insert(d.tenant.clone(), self.holds(&d.tenant).await?);
                    }
                    match keep(&item(&d, n), Some(&l), &holds[&d.tenant].active(), now) {
                        Some(Keep::Hold { .. }) => report.kept_held += 1,
                        Some(Keep::MinRetention { .. }) => report.kept_min += 1,
                        None => {
                            touched.insert(d.tenant.clone());
                            removal.expire.push((d.tenant.clone(), d.id.clone(), n.id, new_id(), SYSTEM_ACTOR.into()));
                            removal.audit.push(system_draft(
                                &d.tenant,
                                "retention.expire",
                                content_name(&d, &n.path),
                                format!("stored on {}; files are kept at most {max} days under the retention rule for {}; moved to the trash", suveren_domain::retention::date(n.created), l.name),
                            ));
                        }
                    }
                }
                match page.last() {
                    Some(n) => Cursor { phase: Phase::Files, after: n.id },
                    None => {
                        report.done = true;
                        Cursor { phase: Phase::Files, after: i64::MAX }
                    }
                }
            }
        };
        removal.holds = touched.iter().map(|t| (t.clone(), holds[t].fingerprint.clone())).collect();
        removal.cursor =
            Some((CURSOR.into(), (!report.done).then(|| serde_json::to_string(&next).expect("cursor serialises"))));
        let Some((done, recs)) = self.store.apply_removal(removal).await? else { return Ok(None) };
        self.after_commit(&recs).await?;
        report.purged = done.purged;
        report.versions = done.versions;
        report.expired = done.expired;
        report.bytes = done.bytes;
        if report.purged + report.versions + report.expired > 0 {
            tracing::info!(purged = report.purged, versions = report.versions, expired = report.expired, "retention");
        }
        Ok(Some(report))
    }

    /// GDPR Art. 17 erasure of a principal by a tenant administrator; with
    /// `dry_run`, the same report and nothing changed (the look is audited).
    pub async fn erase_principal(&self, ctx: &Ctx, tenant: &str, login: &str, dry_run: bool) -> Result<ErasureReport> {
        let (snap, permit) = self.admin(ctx, tenant).await?;
        let p: Principal = snap
            .dir
            .principal_by_login(&login.trim().to_lowercase())
            .filter(|p| p.tenant == tenant)
            .cloned()
            .ok_or(ServiceError::NotFound)?;
        if ctx.actor.principal.as_ref().is_some_and(|me| me.id == p.id) {
            return Err(ServiceError::invalid("You cannot erase your own account; another administrator must."));
        }
        let now = crate::drive::now_ms();
        let drive_id = personal_drive_id(&p.id);
        let drive = self.drive.get(&drive_id);
        let holds = self.holds(tenant).await?;
        let active = holds.active();
        let mut report = ErasureReport {
            login: p.login.clone(),
            tenant: tenant.into(),
            dry_run,
            erased: ErasedCounts::default(),
            kept: Vec::new(),
            kept_counts: Vec::new(),
            notes: vec![
                "The audit log is kept: it is itself a legal record (GDPR Art. 17(3)(b) and (e)) and append-only."
                    .into(),
                "Files the principal wrote in team drives belong to the organisation and are not erased.".into(),
            ],
        };
        let mut erase: Vec<(String, i64)> = Vec::new();
        if let Some(d) = &drive {
            let nodes = self.store.drive_nodes(&d.id).await?;
            let versions = self.store.drive_versions(&d.id).await?;
            let mut kept_nodes = std::collections::HashSet::new();
            let mut kept_all: Vec<(&Node, bool, Keep)> = Vec::new();
            for (n, trash) in nodes.iter().filter(|(n, _)| !n.dir) {
                let level = snap.dir.tenants.get(tenant).and_then(|t| t.scheme.level(n.level));
                match keep(&item(d, n), level, &active, now) {
                    Some(k) => {
                        kept_nodes.insert(n.id);
                        kept_all.push((n, trash.is_some(), k));
                    }
                    None => {
                        report.erased.files += 1;
                        report.erased.bytes += n.size;
                        erase.push((tenant.to_string(), n.id));
                    }
                }
            }
            for v in versions.iter().filter(|v| !kept_nodes.contains(&v.node)) {
                report.erased.versions += 1;
                report.erased.bytes += v.size;
            }
            // Folders go when nothing kept is below them.
            let kept_paths: Vec<&str> = kept_all.iter().map(|(n, _, _)| n.path.as_str()).collect();
            report.erased.folders = nodes
                .iter()
                .filter(|(n, _)| n.dir && n.path != "/")
                .filter(|(n, _)| !kept_paths.iter().any(|k| suveren_store::drive::is_within(k, &n.path)))
                .count() as u64;
            let mut entries: BTreeMap<&str, bool> = BTreeMap::new();
            for (n, t) in &nodes {
                if let Some(t) = t {
                    let all_gone = entries.get(t.as_str()).copied().unwrap_or(true);
                    entries.insert(t, all_gone && !kept_nodes.contains(&n.id));
                }
            }
            report.erased.trash_entries = entries.values().filter(|gone| **gone).count() as u64;
            self.kept_as_caller_sees(ctx, &snap, d, kept_all, &mut report).await?;
        }
        let mut shares: Vec<String> = self.store.shares_by_creator(&p.id).await?.into_iter().map(|s| s.id).collect();
        shares.extend(self.store.shares_targeting(&p.id).await?.into_iter().map(|s| s.id));
        shares.sort();
        shares.dedup();
        report.erased.shares = shares.len() as u64;
        report.erased.sessions = self.store.list_owned(kinds::SESSION, &p.id).await?.len() as u64;
        report.erased.app_passwords = self.store.list_owned(kinds::APP_PASSWORD, &p.id).await?.len() as u64;
        report.erased.credential = self.store.get(kinds::CREDENTIAL, &p.id).await?.is_some();
        report.erased.principal_record = true;
        let resource = format!("principal:{}", p.login);
        if dry_run {
            let mut d = self.allowed(ctx, &permit, tenant);
            d.resource = resource;
            d.reason = Some(format!("dry run, nothing changed: {}", summary(&report)));
            self.commit(Batch::new().audit(d)).await?;
            return Ok(report);
        }
        // First the account stops working, so nothing new arrives while the
        // content goes; a crash after this leaves a disabled account and the
        // erasure can simply be run again.
        let disabled = Principal { disabled: true, ..p.clone() };
        let mut d = self.allowed(ctx, &permit, tenant);
        d.resource = resource.clone();
        d.reason = Some("erasure started: account disabled, sessions and app passwords ended".into());
        let b = Batch::new()
            .op(Op::put(kinds::PRINCIPAL, &p.id, tenant, None, &disabled))
            .op(Op::DeleteOwned { kind: kinds::SESSION.into(), owner: p.id.clone() })
            .op(Op::DeleteOwned { kind: kinds::APP_PASSWORD.into(), owner: p.id.clone() })
            .audit(d);
        self.commit(b).await?;
        self.reload().await?;
        self.app_cache.clear();
        let fp = vec![(tenant.to_string(), holds.fingerprint.clone())];
        let total = erase.len();
        let mut first = true;
        for (i, chunk) in erase.chunks(BATCH as usize).enumerate() {
            let mut d = self.allowed(ctx, &permit, tenant);
            d.resource = content_name(drive.as_deref().expect("files come from the drive"), "/");
            d.reason = Some(format!(
                "erasure of {} (GDPR Art. 17): batch {} of {}, {} files with their versions",
                p.login,
                i + 1,
                total.div_ceil(BATCH as usize),
                chunk.len()
            ));
            let r = Removal {
                now,
                erase: chunk.to_vec(),
                shares: if first { std::mem::take(&mut shares) } else { Vec::new() },
                holds: fp.clone(),
                audit: vec![d],
                ..Default::default()
            };
            first = false;
            let (_, recs) = self.store.apply_removal(r).await?.ok_or_else(changed)?;
            self.after_commit(&recs).await?;
        }
        let tidy = drive.as_ref().map(|d| vec![(tenant.to_string(), d.id.clone())]).unwrap_or_default();
        let r = Removal { now, shares, tidy, holds: fp, ..Default::default() };
        let (done, recs) = self.store.apply_removal(r).await?.ok_or_else(changed)?;
        self.after_commit(&recs).await?;
        if let Some(d) = drive.as_ref().filter(|d| !done.drives.contains(&d.id)) {
            // The drive stays for what is kept; its name was the person's.
            let renamed = Drive { name: format!("Erased principal {}", &p.id[..p.id.len().min(8)]), ..(**d).clone() };
            let row = suveren_store::drive::DriveRow {
                id: d.id.clone(),
                tenant: tenant.into(),
                slug: d.slug.clone(),
                body: serde_json::to_string(&renamed).expect("drives serialise"),
                used: 0,
            };
            self.store.update_drive(&row, Vec::new()).await?.map_err(crate::drive::conflict)?;
            self.announce(&crate::cluster::drive_topic(&d.id)).await;
        }
        self.drive.reload(self.store.as_ref()).await?;
        // The search index forgets the erased names through the change feed;
        // once it has, the feed's rows (which name the files) go too
        // (sequence numbers are AUTOINCREMENT: they never come back).
        if let (Some(d), Some(index)) = (&drive, self.drive.index.clone()) {
            self.index_catch_up().await?;
            let upto = index.applied_seq() as i64;
            self.store.forget_changes(&d.id, upto).await?;
        }
        let mut d = self.allowed(ctx, &permit, tenant);
        d.resource = resource;
        d.reason = Some(summary(&report));
        let mut b = Batch::new().audit(d);
        b.ops = vec![
            Op::delete(kinds::PRINCIPAL, &p.id),
            Op::delete(kinds::CREDENTIAL, &p.id),
            Op::DeleteOwned { kind: kinds::SESSION.into(), owner: p.id.clone() },
            Op::DeleteOwned { kind: kinds::APP_PASSWORD.into(), owner: p.id.clone() },
            // Notices told them of lockbox access; the requests themselves
            // stay with the tenant as the record of that access.
            Op::DeleteOwned { kind: crate::lockbox::NOTICE_KIND.into(), owner: p.id.clone() },
        ];
        self.commit(b).await?;
        self.reload().await?;
        self.app_cache.clear();
        self.sweep_blobs().await;
        Ok(report)
    }
}

impl App {
    /// Sorts what erasure keeps into what the caller may list, by name, and
    /// the rest, counted per drive and reason. The gate decides, file by
    /// file, as for the GDPR export; names seen under a lockbox grant are
    /// recorded (once per drive, with the grant's id) like any listing.
    async fn kept_as_caller_sees(
        &self,
        ctx: &Ctx,
        snap: &crate::Snapshot,
        drive: &Arc<Drive>,
        kept: Vec<(&Node, bool, Keep)>,
        report: &mut ErasureReport,
    ) -> Result<()> {
        use suveren_policy::{Action, Decision};
        let caller = Self::me(ctx)?;
        let place = Place { role: drive.role_of(caller), drive: drive.clone() };
        let mut granted = None;
        for (n, trashed, k) in kept {
            let standing = self.standing_at(ctx, &place, &n.path).await?;
            match self.decide(snap, ctx, Action::ContentList, &place, &n.path, n.level, &standing) {
                Decision::Allow { acting_under } => {
                    if acting_under.is_some() && granted.is_none() {
                        granted = Some((n.path.clone(), n.level, standing));
                    }
                    report.kept.push(KeptItem { path: n.path.clone(), trashed, size: n.size, reason: k });
                }
                Decision::Deny(denial) => {
                    let group =
                        report.kept_counts.iter_mut().find(|g| g.drive_id == drive.id && same_reason(&g.reason, &k));
                    let g = match group {
                        Some(g) => g,
                        None => {
                            report.kept_counts.push(KeptCount {
                                drive: drive.name.clone(),
                                drive_id: drive.id.clone(),
                                files: 0,
                                trashed: 0,
                                bytes: 0,
                                reason: k.clone(),
                                withheld: crate::export::withheld_reason(&denial),
                            });
                            report.kept_counts.last_mut().expect("just pushed")
                        }
                    };
                    g.files += 1;
                    g.trashed += u64::from(trashed);
                    g.bytes += n.size;
                    if let (Keep::MinRetention { until: have, .. }, Keep::MinRetention { until, .. }) = (&g.reason, &k)
                    {
                        if until > have {
                            g.reason = k;
                        }
                    }
                }
            }
        }
        if let Some((path, level, standing)) = granted {
            let permit = self.gate_content(ctx, Action::ContentList, &place, &path, level, &standing).await?;
            self.record_allow(ctx, &permit, &drive.tenant).await?;
        }
        Ok(())
    }
}

/// Whether two reasons to keep are counted together: the same hold, or the
/// same level's minimum retention ending on the same day.
fn same_reason(a: &Keep, b: &Keep) -> bool {
    match (a, b) {
        (Keep::Hold { hold: x, .. }, Keep::Hold { hold: y, .. }) => x == y,
        (Keep::MinRetention { level: x, until: u, .. }, Keep::MinRetention { level: y, until: v, .. }) => {
            x == y && suveren_domain::retention::date(*u) == suveren_domain::retention::date(*v)
        }
        _ => false,
    }
}

fn changed() -> ServiceError {
    ServiceError::Conflict("A legal hold changed during the erasure; run it again to honour it.".into())
}

/// The erasure report in one sentence for the audit record (kept items
/// listed up to 20).
fn summary(r: &ErasureReport) -> String {
    let e = &r.erased;
    let mut s = format!(
        "GDPR Art. 17 erasure of {}: erased {} files, {} folders, {} versions, {} trash entries ({} bytes), {} shares, {} sessions, {} app passwords{}{}",
        r.login,
        e.files,
        e.folders,
        e.versions,
        e.trash_entries,
        e.bytes,
        e.shares,
        e.sessions,
        e.app_passwords,
        if e.credential { ", the credential" } else { "" },
        if e.principal_record { " and the principal record" } else { "" },
    );
    // Names only as the report has them: the log must not tell whoever
    // reads it more than the erasing caller was shown.
    let counted: u64 = r.kept_counts.iter().map(|g| g.files).sum();
    let total = r.kept.len() as u64 + counted;
    if total == 0 {
        s.push_str("; kept nothing");
    } else {
        s.push_str(&format!("; kept {total} items:"));
        for k in r.kept.iter().take(20) {
            s.push_str(&format!(" {} ({});", k.path, k.reason.message()));
        }
        if r.kept.len() > 20 {
            s.push_str(&format!(" and {} more by name;", r.kept.len() - 20));
        }
        for g in &r.kept_counts {
            s.push_str(&format!(
                " {} file{} ({} bytes) in the drive {}, names withheld ({});",
                g.files,
                if g.files == 1 { "" } else { "s" },
                g.bytes,
                g.drive_id,
                g.reason.message()
            ));
        }
    }
    s
}

/// One retention run at a time in this process; the store's checks make
/// runs on several nodes safe too (each batch re-checks what it removes).
static RUNNING: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

/// Runs the retention job a minute after start and then every hour.
pub fn spawn(app: Arc<App>) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        tokio::time::sleep(std::time::Duration::from_secs(60)).await;
        let mut tick = tokio::time::interval(std::time::Duration::from_secs(3600));
        loop {
            tick.tick().await;
            // One node per installation; a node that died mid-run leaves a
            // lease that expires before the next hour's turn elsewhere.
            if !app.job_turn(crate::installation::Job::Retention, std::time::Duration::from_secs(3000)).await {
                app.beats().beat(crate::installation::Job::Retention);
                continue;
            }
            match app.run_retention(crate::drive::now_ms()).await {
                Ok(r) if r.purged + r.versions + r.expired > 0 => {
                    tracing::info!(
                        purged = r.purged,
                        versions = r.versions,
                        expired = r.expired,
                        bytes = r.bytes,
                        "retention run"
                    );
                }
                Ok(_) => {}
                Err(e) => tracing::warn!(error = %e, "retention run"),
            }
            app.beats().beat(crate::installation::Job::Retention);
        }
    })
}
