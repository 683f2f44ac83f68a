//! GDPR export (Art. 15 right of access, Art. 20 portability): everything
//! the installation holds about one principal, as one ZIP archive.
//!
//! - `files/<drive>/<path>`: their personal drive (`files/personal/…`) and
//!   the files of team drives whose current version they wrote (the drive
//!   records the last writer of a file, not who wrote earlier versions).
//! - `audit.jsonl`: the records of their tenant's chain whose actor is them,
//!   or whose resource or reason names them or their personal drive, one
//!   stored record per line (each checks against its own hash; the chain
//!   between them is in the tenant's full export).
//! - `manifest.json`, written last because it carries the SHA-256 of every
//!   file as streamed: `schema`, `generated`, `tenant`, `exported_by`,
//!   `summary`, `principal` (login, name, kind, email, org unit, groups,
//!   roles, attributes), `files` (`path` in the archive, `drive`,
//!   `original_path`, `level`, `size`, `sha256`, `modified`, `versions`,
//!   or `withheld` with the reason), `withheld_drives` (counts only, where
//!   the caller may not even list), `trash`, `shares_created`,
//!   `shares_received`, `sessions`, `app_passwords` (labels and dates, never
//!   a secret, hash or token digest), `lockbox_notices`, `sign_ins`, `audit`.
//!
//! Access is decided by the gate twice over. The export itself is an action
//! (`account.export` for oneself, `principal.export` for the tenant's
//! administrators). File names and contents are content, so each file is
//! asked about as `content.list` and `content.read` for the *caller*:
//! someone exporting their own data gets their files; an administrator gets
//! the account metadata, but file names only where the gate lets them list
//! and contents only where it lets them read (a live lockbox grant, rule 4),
//! and the audit records only if they are also the tenant's auditor. Someone
//! exporting themselves gets the records by others only where they may
//! discover the actor (rules 1 and 2: a refused probe from another tenant
//! must not reveal that account). What is withheld is said, with the
//! reason. Contents are read with [`App::read`], so every file read is
//! audited like any download (under a grant, with its id), and the export
//! has one record of its own with the counts, committed before the first
//! byte leaves.
//!
//! Memory is bounded: the archive is written on a blocking thread into a
//! channel of a few 64 KiB chunks that the HTTP answer drains, so a slow
//! client slows the export down instead of filling memory.

use std::collections::HashSet;
use std::io::Write;
use std::sync::Arc;

use bytes::Bytes;
use futures_util::{Stream, StreamExt};
use serde_json::{json, Value};
use sha2::{Digest, Sha256};
use suveren_audit::{Outcome, Record};
use suveren_domain::Principal;
use suveren_policy::{Action, ContentRef, Decision, Denial, DriveRef, Resource};
use suveren_store::drive::{Node, ShareRow};
use suveren_store::Batch;

use crate::auth::{AppPassword, Session};
use crate::drive::{personal_drive_id, Drive, DriveKind, Place, Standing};
use crate::snapshot::kinds;
use crate::{now_rfc3339, now_unix, App, Ctx, Result, ServiceError, Snapshot};

/// Version of the `manifest.json` layout; bumped on incompatible change.
pub const MANIFEST_SCHEMA: u32 = 1;
/// The response header carrying the sum of the file sizes to come, so a
/// client can show progress (the archive itself is streamed, its length
/// unknown until the end; entries are stored uncompressed, so the archive
/// is this plus a little).
pub const EXPECTED_BYTES_HEADER: &str = "x-suveren-export-bytes";

const CHUNK: usize = 64 * 1024;

/// Whose data the request asks for.
#[derive(Debug, Clone, Copy)]
pub enum Subject<'a> {
    /// The caller's own (`GET /api/v1/me/export`).
    Me,
    /// A principal of `tenant`, for its administrators.
    Principal { tenant: &'a str, login: &'a str },
}

/// What one export will contain, decided by the gate before the first byte
/// goes out.
pub struct ExportPlan {
    principal: Principal,
    files: Vec<PlannedFile>,
    /// Drives (or parts) whose file names the caller may not see: counts only.
    withheld_drives: Vec<Value>,
    /// Principal, shares, sessions and app passwords, as in the manifest.
    meta: serde_json::Map<String, Value>,
    /// Sum of the sizes of the files whose contents will be included.
    pub expected_bytes: u64,
    /// Why the audit records are left out: the tenant's log is its
    /// auditors' to read, so an administrator who is not one gets none.
    audit_withheld: Option<String>,
    /// Whether records by others are filtered to people the caller may
    /// discover (someone exporting themselves must not learn of a probe by
    /// another tenant's or a barred person's account: rules 1 and 2).
    audit_discoverable_only: bool,
    /// A file name for the archive (`Content-Disposition`).
    pub file_name: String,
}

impl ExportPlan {
    pub fn files_included(&self) -> usize {
        self.files.iter().filter(|f| f.withheld.is_none()).count()
    }
    pub fn files_withheld(&self) -> usize {
        self.files.len() - self.files_included()
    }
}

struct PlannedFile {
    place: Place,
    node: Node,
    /// The folder under `files/` for this drive.
    folder: String,
    withheld: Option<String>,
    /// Earlier contents kept by the drive: listed, not included (there is no
    /// read of an old version yet; restoring one makes it readable).
    versions: Vec<Value>,
}

/// The gate's refusal as a sentence for the manifest. Concealed refusals
/// say only "not found" to keep existence secret; here the caller already
/// sees the account, so say what would open it.
pub(crate) fn withheld_reason(d: &Denial) -> String {
    if d.conceal {
        format!(
            "{}: no membership, share or live lockbox grant of yours covers it (administrators: file a lockbox request)",
            d.rule.as_str()
        )
    } else {
        format!("{}: {}", d.rule.as_str(), d.message)
    }
}

fn policy_ref(d: &Drive) -> DriveRef {
    match d.kind {
        DriveKind::Personal => DriveRef::Personal(d.owner.clone().unwrap_or_default()),
        DriveKind::Team => DriveRef::Team(d.id.clone()),
    }
}

/// Unix milliseconds as RFC 3339 (the manifest's time format).
fn ms_rfc3339(ms: i64) -> Value {
    let f = time::format_description::well_known::Rfc3339;
    time::OffsetDateTime::from_unix_timestamp_nanos(i128::from(ms) * 1_000_000)
        .ok()
        .and_then(|t| t.format(&f).ok())
        .map(Value::String)
        .unwrap_or(Value::Null)
}

fn secs_rfc3339(s: i64) -> Value {
    ms_rfc3339(s.saturating_mul(1000))
}

/// Whether `hay` names `word` as a whole (a login inside `principal:LOGIN`,
/// not `anna@x` inside `johanna@x`).
fn names(hay: &str, word: &str) -> bool {
    if word.is_empty() {
        return false;
    }
    let part = |c: Option<char>| c.is_some_and(|c| c.is_alphanumeric() || matches!(c, '.' | '_' | '-' | '@' | '+'));
    hay.match_indices(word)
        .any(|(i, _)| !part(hay[..i].chars().next_back()) && !part(hay[i + word.len()..].chars().next()))
}

/// Whether an audit record is about the principal: they acted, or the
/// resource or reason names them or their personal drive.
fn about(r: &Record, p: &Principal) -> bool {
    let personal = format!("content:{}:personal/{}/", p.tenant, p.id);
    r.actor == p.login
        || names(&r.resource, &p.login)
        || r.resource.starts_with(&personal)
        || r.reason.as_deref().is_some_and(|x| names(x, &p.login))
}

fn safe_file_name(login: &str) -> String {
    login.chars().map(|c| if c.is_ascii_alphanumeric() || "@._-".contains(c) { c } else { '_' }).collect()
}

impl App {
    /// The gate's answer without recording it: what the caller would get.
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn decide(
        &self,
        snap: &Snapshot,
        ctx: &Ctx,
        action: Action,
        place: &Place,
        path: &str,
        level: u8,
        standing: &Standing,
    ) -> Decision {
        let c = ContentRef {
            tenant: place.drive.tenant.clone(),
            drive: policy_ref(&place.drive),
            path: path.to_string(),
            level,
            access: standing.access,
            shared_by: standing.shared_by.clone(),
        };
        suveren_policy::authorize(&snap.dir, &ctx.actor, action, &Resource::Content(&c), now_unix())
    }

    pub(crate) async fn standing_at(&self, ctx: &Ctx, place: &Place, path: &str) -> Result<Standing> {
        if place.role.is_some() {
            return Ok(Standing { access: place.role, shared_by: None });
        }
        self.standing(ctx, place, path).await
    }

    /// Gates the export, decides file by file what the caller gets, and
    /// records the export (with its counts) before anything is sent.
    /// Another tenant's principal answers exactly like a missing one.
    pub async fn export_plan(&self, ctx: &Ctx, subject: Subject<'_>) -> Result<ExportPlan> {
        let (permit, p, audit_withheld) = match subject {
            Subject::Me => {
                let permit = self.gate(ctx, &Resource::Own).await?;
                (permit, Self::me(ctx)?.clone(), None)
            }
            Subject::Principal { tenant, login } => {
                let permit = self.gate(ctx, &Resource::Tenant(tenant)).await?;
                let snap = self.snapshot();
                let p = snap
                    .dir
                    .principal_by_login(&login.trim().to_lowercase())
                    .filter(|p| p.tenant == tenant)
                    .cloned()
                    .ok_or(ServiceError::NotFound)?;
                let audit = Resource::Tenant(tenant);
                let audit_withheld =
                    match suveren_policy::authorize(&snap.dir, &ctx.actor, Action::AuditRead, &audit, now_unix()) {
                        Decision::Allow { .. } => None,
                        Decision::Deny(d) => Some(withheld_reason(&d)),
                    };
                (permit, p, audit_withheld)
            }
        };
        let snap = self.snapshot();
        let caller = Self::me(ctx)?.clone();

        // Drives: the personal one, then team drives holding files they wrote.
        let mut drives: Vec<Arc<Drive>> = self.drive.get(&personal_drive_id(&p.id)).into_iter().collect();
        drives.extend(self.drive.team_drives(&p.tenant));
        let mut files = Vec::new();
        let mut withheld_drives = Vec::new();
        let mut trash = Vec::new();
        let mut folders = HashSet::new();
        for drive in drives {
            let nodes = self.store.subtree(&drive.id, "/").await?;
            let root_level = nodes.first().map(|n| n.level).unwrap_or(drive.level);
            let mine: Vec<Node> = nodes
                .into_iter()
                .filter(|n| !n.dir && (drive.kind == DriveKind::Personal || n.author.as_deref() == Some(&p.login)))
                .collect();
            if mine.is_empty() && drive.kind == DriveKind::Team {
                continue;
            }
            let folder = match drive.kind {
                DriveKind::Personal => "personal".to_string(),
                DriveKind::Team if drive.name != "personal" && !folders.contains(&drive.name) => drive.name.clone(),
                DriveKind::Team => format!("{} ({})", drive.name, drive.slug),
            };
            folders.insert(folder.clone());
            let place = Place { role: drive.role_of(&caller), drive: drive.clone() };
            let kind = match drive.kind {
                DriveKind::Personal => "personal",
                DriveKind::Team => "team",
            };
            let root = self.standing_at(ctx, &place, "/").await?;
            match self.decide(&snap, ctx, Action::ContentList, &place, "/", root_level, &root) {
                Decision::Deny(d) => {
                    withheld_drives.push(json!({
                        "drive": drive.name, "drive_id": drive.id, "drive_kind": kind,
                        "files": mine.len(), "bytes": mine.iter().map(|n| n.size).sum::<u64>(),
                        "withheld": withheld_reason(&d),
                    }));
                    continue;
                }
                Decision::Allow { acting_under: Some(_) } => {
                    // Listing under a lockbox grant is recorded, as everywhere.
                    let permit = self.gate_content(ctx, Action::ContentList, &place, "/", root_level, &root).await?;
                    self.record_allow(ctx, &permit, &drive.tenant).await?;
                }
                Decision::Allow { acting_under: None } => {}
            }
            if drive.kind == DriveKind::Personal {
                for t in self.store.trash_list(&drive.id).await? {
                    trash.push(json!({
                        "drive": drive.name, "original_path": t.path, "folder": t.dir, "size": t.size,
                        "deleted": ms_rfc3339(t.deleted), "deleted_by": t.by,
                    }));
                }
            }
            let (mut hidden, mut hidden_bytes, mut hidden_reason) = (0usize, 0u64, None);
            for node in mine {
                let standing = self.standing_at(ctx, &place, &node.path).await?;
                if let Decision::Deny(d) =
                    self.decide(&snap, ctx, Action::ContentList, &place, &node.path, node.level, &standing)
                {
                    hidden += 1;
                    hidden_bytes += node.size;
                    hidden_reason.get_or_insert_with(|| withheld_reason(&d));
                    continue;
                }
                let withheld =
                    match self.decide(&snap, ctx, Action::ContentRead, &place, &node.path, node.level, &standing) {
                        Decision::Allow { .. } => None,
                        Decision::Deny(d) => Some(withheld_reason(&d)),
                    };
                let versions = self
                    .store
                    .versions(node.id)
                    .await?
                    .iter()
                    .map(|v| {
                        json!({"size": v.size, "modified": ms_rfc3339(v.modified), "author": v.author,
                               "replaced": ms_rfc3339(v.replaced)})
                    })
                    .collect();
                files.push(PlannedFile { place: place.clone(), node, folder: folder.clone(), withheld, versions });
            }
            if hidden > 0 {
                withheld_drives.push(json!({
                    "drive": drive.name, "drive_id": drive.id, "drive_kind": kind,
                    "files": hidden, "bytes": hidden_bytes, "withheld": hidden_reason,
                }));
            }
        }

        let mut meta = self.export_meta(ctx, &snap, &p).await?;
        meta.insert("trash".into(), json!(trash));
        let expected_bytes = files.iter().filter(|f| f.withheld.is_none()).map(|f| f.node.size).sum();
        let plan = ExportPlan {
            file_name: format!(
                "suveren-export-{}-{}.zip",
                safe_file_name(&p.login),
                now_rfc3339().get(..10).unwrap_or("now")
            ),
            principal: p,
            files,
            withheld_drives,
            meta,
            expected_bytes,
            audit_withheld,
            audit_discoverable_only: matches!(subject, Subject::Me),
        };
        let mut d = self.allowed(ctx, &permit, &plan.principal.tenant);
        d.resource = format!("principal:{}", plan.principal.login);
        d.reason = Some(format!(
            "export: {} files ({} bytes) included, {} withheld, {} drives not listed",
            plan.files_included(),
            plan.expected_bytes,
            plan.files_withheld(),
            plan.withheld_drives.len()
        ));
        self.commit(Batch::new().audit(d)).await?;
        Ok(plan)
    }

    /// The account, its shares, sessions and app passwords (never a secret,
    /// hash or token digest).
    async fn export_meta(&self, ctx: &Ctx, snap: &Snapshot, p: &Principal) -> Result<serde_json::Map<String, Value>> {
        let dir = &snap.dir;
        let login_of = |id: &str| dir.principals.get(id).map(|x| x.login.clone());
        let groups: Vec<Value> =
            p.groups.iter().map(|g| dir.groups.get(g).map(|g| json!(g.name)).unwrap_or_else(|| json!(g))).collect();
        let principal = json!({
            "id": p.id,
            "login": p.login,
            "name": p.name,
            "kind": p.kind,
            "email": p.email,
            "tenant": p.tenant,
            "tenant_name": dir.tenants.get(&p.tenant).map(|t| t.name.clone()),
            "org_unit": p.org_unit.as_deref().map(|u| dir.unit_path(u)),
            "groups": groups,
            "roles": p.roles,
            "attributes": p.attributes,
            "disabled": p.disabled,
            "mfa_enrolled": self.has_totp(&p.id).await?,
        });

        let share = |s: &ShareRow, path: Value, withheld: Option<String>| {
            let target = match s.target_kind.as_str() {
                "principal" => login_of(&s.target).map(Value::String).unwrap_or(Value::Null),
                "group" => dir.groups.get(&s.target).map(|g| json!(g.name)).unwrap_or(Value::Null),
                _ => Value::Null,
            };
            let mut v = json!({
                "id": s.id,
                "drive": self.drive.get(&s.drive).map(|d| d.name.clone()),
                "drive_id": s.drive,
                "path": path,
                "target_kind": s.target_kind,
                "target": target,
                "role": s.role,
                "created_by": login_of(&s.created_by),
                "created": ms_rfc3339(s.created),
                "expires": s.expires.map(ms_rfc3339),
                "password": s.password.is_some(),
            });
            if let Some(w) = withheld {
                v["withheld"] = json!(w);
            }
            v
        };
        let caller = Self::me(ctx)?;
        let mut created = Vec::new();
        let mut received = Vec::new();
        let mut targets = vec![("principal".to_string(), p.id.clone())];
        targets.extend(p.groups.iter().map(|g| ("group".to_string(), g.clone())));
        let by_them = self.store.shares_by_creator(&p.id).await?;
        let to_them = self.store.shares_for(&targets).await?;
        for (list, rows) in [(&mut created, by_them), (&mut received, to_them)] {
            for s in rows {
                // A share's path is a file name: shown where the caller may list it.
                let (path, withheld) = match self.drive.get(&s.drive) {
                    Some(drive) => {
                        let place = Place { role: drive.role_of(caller), drive };
                        let level = self.store.node(&place.drive.id, &s.path).await?.map(|n| n.level);
                        let standing = self.standing_at(ctx, &place, &s.path).await?;
                        let level = level.unwrap_or(place.drive.level);
                        match self.decide(snap, ctx, Action::ContentList, &place, &s.path, level, &standing) {
                            Decision::Allow { .. } => (json!(s.path), None),
                            Decision::Deny(d) => (Value::Null, Some(withheld_reason(&d))),
                        }
                    }
                    None => (Value::Null, Some("the drive no longer exists".into())),
                };
                list.push(share(&s, path, withheld));
            }
        }

        let mut sessions = Vec::new();
        for o in self.store.list_owned(kinds::SESSION, &p.id).await? {
            let s: Session = o.decode()?;
            sessions.push(json!({
                "created": secs_rfc3339(s.created),
                "last_seen": secs_rfc3339(s.last_seen),
                "method": s.method,
                "mfa": s.mfa,
                "client": s.client,
            }));
        }
        let mut app_passwords = Vec::new();
        for o in self.store.list_owned(kinds::APP_PASSWORD, &p.id).await? {
            let a: AppPassword = o.decode()?;
            app_passwords.push(json!({
                "id": a.id,
                "label": a.label,
                "created": secs_rfc3339(a.created),
                "mfa": a.mfa,
                "last_used": a.last_used.map(secs_rfc3339),
                "last_client": a.last_client,
            }));
        }
        // Lockbox grants that opened their content, as they were told of
        // them (a notice an approver withheld was never written).
        let mut notices: Vec<crate::lockbox::Notice> = self
            .store
            .list_owned(crate::lockbox::NOTICE_KIND, &p.id)
            .await?
            .iter()
            .map(|o| o.decode())
            .collect::<Result<_, _>>()?;
        notices.sort_by_key(|n| n.at);
        let mut m = serde_json::Map::new();
        m.insert("principal".into(), principal);
        m.insert("lockbox_notices".into(), json!(notices));
        m.insert("shares_created".into(), json!(created));
        m.insert("shares_received".into(), json!(received));
        m.insert("sessions".into(), json!(sessions));
        m.insert("app_passwords".into(), json!(app_passwords));
        Ok(m)
    }

    /// The archive as a stream of chunks. It is written on a blocking thread
    /// into a small bounded channel; an error ends the stream with an error,
    /// so the client sees a broken transfer rather than a short archive.
    pub fn export_stream(
        self: Arc<Self>,
        ctx: Ctx,
        plan: ExportPlan,
    ) -> impl Stream<Item = std::io::Result<Bytes>> + Send + 'static {
        let (tx, rx) = tokio::sync::mpsc::channel::<std::io::Result<Bytes>>(4);
        let rt = tokio::runtime::Handle::current();
        tokio::task::spawn_blocking(move || {
            let fail = tx.clone();
            if let Err(e) = write_archive(&self, &rt, &ctx, plan, ChannelWriter { tx, buf: Vec::with_capacity(CHUNK) })
            {
                tracing::warn!(error = %e, request_id = %ctx.request_id, "export stopped");
                let _ = fail.blocking_send(Err(std::io::Error::other(e.to_string())));
            }
        });
        futures_util::stream::unfold(rx, |mut rx| async move { rx.recv().await.map(|item| (item, rx)) })
    }
}

/// A `Write` that hands 64 KiB chunks to the HTTP answer, waiting while the
/// channel is full (so memory stays bounded whatever the client's speed).
struct ChannelWriter {
    tx: tokio::sync::mpsc::Sender<std::io::Result<Bytes>>,
    buf: Vec<u8>,
}

impl ChannelWriter {
    fn send(&mut self) -> std::io::Result<()> {
        if self.buf.is_empty() {
            return Ok(());
        }
        let chunk = Bytes::from(std::mem::replace(&mut self.buf, Vec::with_capacity(CHUNK)));
        self.tx
            .blocking_send(Ok(chunk))
            .map_err(|_| std::io::Error::new(std::io::ErrorKind::BrokenPipe, "the client went away"))
    }
}

impl Write for ChannelWriter {
    fn write(&mut self, data: &[u8]) -> std::io::Result<usize> {
        self.buf.extend_from_slice(data);
        if self.buf.len() >= CHUNK {
            self.send()?;
        }
        Ok(data.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        self.send()
    }
}

#[derive(Debug, thiserror::Error)]
enum ArchiveError {
    #[error("zip: {0}")]
    Zip(#[from] zip::result::ZipError),
    #[error("{0}")]
    Io(#[from] std::io::Error),
    #[error("{0}")]
    Json(#[from] serde_json::Error),
    #[error("{0}")]
    Service(#[from] ServiceError),
}

fn zip_time(ms: i64) -> zip::DateTime {
    time::OffsetDateTime::from_unix_timestamp(ms / 1000)
        .ok()
        .and_then(|t| {
            zip::DateTime::from_date_and_time(
                u16::try_from(t.year()).ok()?,
                t.month() as u8,
                t.day(),
                t.hour(),
                t.minute(),
                t.second(),
            )
            .ok()
        })
        .unwrap_or_default()
}

fn write_archive(
    app: &App,
    rt: &tokio::runtime::Handle,
    ctx: &Ctx,
    plan: ExportPlan,
    out: ChannelWriter,
) -> Result<(), ArchiveError> {
    use zip::write::SimpleFileOptions;
    use zip::CompressionMethod;
    let p = plan.principal;
    let mut zip = zip::ZipWriter::new_stream(out);
    // Files as they are (most office formats are compressed already, and the
    // advertised size stays a good estimate); the JSON parts deflated.
    let stored = SimpleFileOptions::default().compression_method(CompressionMethod::Stored).unix_permissions(0o600);
    let deflated = SimpleFileOptions::default().compression_method(CompressionMethod::Deflated).unix_permissions(0o600);
    let mut entries = Vec::with_capacity(plan.files.len());
    let (mut included, mut withheld, mut bytes) = (0u64, 0u64, 0u64);
    for f in plan.files {
        let n = &f.node;
        let mut e = json!({
            "path": Value::Null,
            "drive": f.place.drive.name,
            "drive_id": f.place.drive.id,
            "drive_kind": match f.place.drive.kind { DriveKind::Personal => "personal", DriveKind::Team => "team" },
            "original_path": n.path,
            "level": n.level,
            "size": n.size,
            "sha256": Value::Null,
            "mime": n.mime,
            "author": n.author,
            "created": ms_rfc3339(n.created),
            "modified": ms_rfc3339(n.modified),
            "versions": f.versions,
        });
        if let Some(reason) = f.withheld {
            e["withheld"] = json!(reason);
            withheld += 1;
            entries.push(e);
            continue;
        }
        // The normal gated read: audited like any download.
        let mut r = match rt.block_on(app.read(ctx, &f.place, &n.path, None)) {
            Ok(r) => r,
            Err(err) => {
                e["withheld"] = json!(match err {
                    ServiceError::Denied(d) => withheld_reason(&d),
                    ServiceError::NotFound => "the file was removed while the export ran".to_string(),
                    other => format!("cannot be read: {other}"),
                });
                withheld += 1;
                entries.push(e);
                continue;
            }
        };
        let name = format!("files/{}{}", f.folder, r.node.path);
        let opts = stored.last_modified_time(zip_time(r.node.modified)).large_file(r.node.size >= u64::from(u32::MAX));
        zip.start_file(name.as_str(), opts)?;
        let mut h = Sha256::new();
        let mut written = 0u64;
        while let Some(chunk) = rt.block_on(r.body.next()) {
            match chunk {
                Ok(b) => {
                    h.update(&b);
                    zip.write_all(&b)?;
                    written += b.len() as u64;
                }
                Err(err) => {
                    e["error"] =
                        json!(format!("reading stopped after {written} bytes ({err}); this entry is incomplete"));
                    break;
                }
            }
        }
        e["path"] = json!(name);
        e["size"] = json!(written);
        e["modified"] = ms_rfc3339(r.node.modified);
        e["sha256"] = json!(hex::encode(h.finalize()));
        included += 1;
        bytes += written;
        entries.push(e);
    }

    // The audit records about them, as stored (each verifies against its
    // own hash; the chain between them is in the tenant's full export).
    zip.start_file("audit.jsonl", deflated)?;
    let (mut after, mut audit_count, mut audit_hidden) = (0u64, 0u64, 0u64);
    let mut sign_ins = Vec::new();
    let snap = app.snapshot();
    let mut seen = std::collections::HashMap::<String, bool>::new();
    let mut may_see_actor = |actor: &str| -> bool {
        if !plan.audit_discoverable_only || actor == p.login || actor == "system" || actor == "anonymous" {
            return true;
        }
        *seen.entry(actor.to_string()).or_insert_with(|| {
            // Unknown (deleted) accounts are left out too: nothing tells
            // whose they were.
            snap.dir.principal_by_login(actor).is_some_and(|other| {
                let who = Resource::Principal(other);
                suveren_policy::authorize(&snap.dir, &ctx.actor, Action::PrincipalView, &who, now_unix()).is_allow()
            })
        })
    };
    while plan.audit_withheld.is_none() {
        let page = rt.block_on(app.store.audit_after(&p.tenant, after, 1000)).map_err(ServiceError::from)?;
        let Some(last) = page.last() else { break };
        after = last.seq;
        for r in page.iter().filter(|r| about(r, &p)) {
            if !may_see_actor(&r.actor) {
                audit_hidden += 1;
                continue;
            }
            serde_json::to_writer(&mut zip, r)?;
            zip.write_all(b"\n")?;
            audit_count += 1;
            if r.action == Action::SignIn.name() && (r.actor == p.login || r.resource == format!("account:{}", p.login))
            {
                sign_ins.push(json!({
                    "time": r.time,
                    "outcome": if r.decision == Outcome::Allow { "signed in" } else { "refused" },
                    "detail": r.reason,
                    "client": r.client,
                }));
            }
        }
    }

    let mut manifest = json!({
        "schema": MANIFEST_SCHEMA,
        "generator": format!("suveren {}", env!("CARGO_PKG_VERSION")),
        "generated": now_rfc3339(),
        "tenant": p.tenant,
        "exported_by": ctx.actor.login(),
        "summary": {
            "files_included": included,
            "files_withheld": withheld,
            "drives_not_listed": plan.withheld_drives.len(),
            "bytes": bytes,
            "audit_records": audit_count,
        },
        "files": entries,
        "withheld_drives": plan.withheld_drives,
        "sign_ins": sign_ins,
        "audit": {"path": "audit.jsonl", "records": audit_count,
                  "selection": "records of the tenant's chain whose actor is this principal, or whose resource or reason names them or their personal drive"},
    });
    if audit_hidden > 0 {
        manifest["audit"]["records_withheld"] = json!(audit_hidden);
        manifest["audit"]["withheld"] = json!(
            "records by accounts you may not discover (other tenants, information barriers, the operator, deleted accounts) are left out; the tenant's auditors have them"
        );
    }
    if let Some(reason) = plan.audit_withheld {
        manifest["audit"]["withheld"] = json!(reason);
        manifest["sign_ins"] = json!({"withheld": reason});
    }
    for (k, v) in plan.meta {
        manifest[k] = v;
    }
    zip.start_file("manifest.json", deflated)?;
    serde_json::to_writer_pretty(&mut zip, &manifest)?;
    let mut out = zip.finish()?.into_inner();
    out.flush()?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::names;

    #[test]
    fn a_login_is_named_only_as_a_whole() {
        assert!(names("principal:anna@x.test", "anna@x.test"));
        assert!(names("account:anna@x.test", "anna@x.test"));
        assert!(names("shared with anna@x.test, editor", "anna@x.test"));
        assert!(!names("principal:johanna@x.test", "anna@x.test"));
        assert!(!names("principal:anna@x.test.evil", "anna@x.test"));
        assert!(!names("anything", ""));
    }
}
