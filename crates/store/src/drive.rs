//! Storage of the drive: drives, the file tree, versions, trash, the change
//! feed, WebDAV locks and shares.
//!
//! Every mutating method is one transaction that also appends the audit
//! drafts it is given (rule 5: no change without its record) and checks its
//! own preconditions (parent exists, quota, ETag, free destination) inside
//! that transaction, so two racing requests cannot both pass a check that
//! only one of them may pass. Paths are full paths inside a drive: `/` is the
//! root, `/a/b` a child of `/a`; callers validate names before they get here.

use async_trait::async_trait;
use serde::{Deserialize, Serialize};
use suveren_audit::{Draft, Record};

use crate::Result;

/// A drive as stored; `body` is the service's drive document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DriveRow {
    pub id: String,
    pub tenant: String,
    pub slug: String,
    pub body: String,
    pub used: u64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Node {
    pub id: i64,
    pub drive: String,
    pub path: String,
    pub name: String,
    pub dir: bool,
    /// Effective classification rank: never below the folder holding it.
    pub level: u8,
    pub size: u64,
    #[serde(skip)]
    pub blob: Option<String>,
    pub etag: String,
    pub mime: Option<String>,
    /// Unix milliseconds.
    pub created: i64,
    pub modified: i64,
    pub author: Option<String>,
    /// Dead WebDAV properties, JSON.
    #[serde(skip)]
    pub props: Option<String>,
}

/// The path of the folder holding `path` (`/` for top-level items).
pub fn parent_of(path: &str) -> &str {
    match path.rfind('/') {
        Some(0) | None => "/",
        Some(i) => &path[..i],
    }
}

/// `parent` + `name` as a path.
pub fn join(parent: &str, name: &str) -> String {
    if parent == "/" {
        format!("/{name}")
    } else {
        format!("{parent}/{name}")
    }
}

/// Whether `path` is `base` or lies below it.
pub fn is_within(path: &str, base: &str) -> bool {
    base == "/" || path == base || (path.starts_with(base) && path.as_bytes().get(base.len()) == Some(&b'/'))
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Version {
    pub id: i64,
    pub node: i64,
    #[serde(skip)]
    pub blob: String,
    pub size: u64,
    pub etag: String,
    pub modified: i64,
    pub author: Option<String>,
    /// When this content was replaced by a newer one (unix ms).
    pub replaced: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TrashEntry {
    pub id: String,
    pub drive: String,
    pub node: i64,
    pub path: String,
    pub dir: bool,
    pub size: u64,
    pub deleted: i64,
    pub by: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Change {
    pub seq: i64,
    pub drive: String,
    pub node: Option<i64>,
    /// `create`, `update`, `delete`, `move`, `restore`, `props`.
    pub kind: String,
    pub path: String,
    pub from_path: Option<String>,
    pub dir: bool,
    pub time: i64,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LockRow {
    pub token: String,
    pub drive: String,
    pub path: String,
    pub principal: Option<String>,
    /// The client's `<owner>` element, serialised.
    pub owner: Option<String>,
    /// Unix ms; `None` = infinite.
    pub timeout_at: Option<i64>,
    pub timeout_s: Option<u64>,
    pub shared: bool,
    pub deep: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ShareRow {
    pub id: String,
    pub tenant: String,
    pub drive: String,
    pub node: i64,
    /// Path of the shared node, filled in on reads (it follows moves).
    #[serde(default)]
    pub path: String,
    /// `principal`, `group` or `link`.
    pub target_kind: String,
    /// Principal id, group key, or empty for links.
    pub target: String,
    /// `viewer`, `editor`, or for links `view` / `upload`.
    pub role: String,
    pub created_by: String,
    pub created: i64,
    pub expires: Option<i64>,
    /// Argon2 hash of the link password.
    #[serde(skip)]
    pub password: Option<String>,
    /// SHA-256 of the link token (hex).
    #[serde(skip)]
    pub token: Option<String>,
}

/// How many earlier contents to keep, decided by the item's level.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct VersionPolicy {
    pub max_count: u32,
    /// Versions older than this (ms) are dropped at the next write.
    pub max_age_ms: i64,
}

/// Preconditions of a write, checked inside its transaction.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Expect {
    /// The ETag the target must have (`If-Match`).
    pub etag: Option<String>,
    /// The target must not exist (`If-None-Match: *`).
    pub absent: bool,
    /// The target must exist (`If-Match: *`).
    pub present: bool,
}

#[derive(Debug, Clone)]
pub struct PutFile {
    pub drive: String,
    pub tenant: String,
    pub path: String,
    pub blob: String,
    pub size: u64,
    pub mime: Option<String>,
    pub etag: String,
    pub now: i64,
    /// Modification time to record (client-supplied mtime, or `now`).
    pub modified: i64,
    pub author: String,
    /// Level of a new file: at least its folder's.
    pub level: u8,
    pub expect: Expect,
    /// Bytes the drive may hold in all (live, versions, trash).
    pub quota: Option<u64>,
    /// Bytes all the tenant's drives may hold together.
    pub tenant_quota: Option<TenantQuota>,
    pub versions: VersionPolicy,
}

/// A tenant's quota as a write checks it: the bytes all its drives may hold
/// together (live, versions, trash), and the tenant's name for the refusal.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TenantQuota {
    pub bytes: u64,
    pub name: String,
}

#[derive(Debug, Clone)]
pub struct PutOutcome {
    pub node: Node,
    pub created: bool,
}

#[derive(Debug, Clone)]
pub struct Transfer {
    pub tenant: String,
    pub from_drive: String,
    pub from: String,
    pub to_drive: String,
    pub to: String,
    /// Replace an existing destination (it goes to the trash, restorable).
    pub overwrite: bool,
    /// `Some(level)`: set the whole subtree to this level (an explicit,
    /// permitted declassification); `None`: raise items to at least the
    /// destination folder's level.
    pub set_level: Option<u8>,
    pub now: i64,
    pub by: String,
    /// Trash entry id for a replaced destination.
    pub trash_id: String,
    pub quota: Option<u64>,
    /// Checked when the transfer adds bytes to the tenant (a copy).
    pub tenant_quota: Option<TenantQuota>,
}

#[derive(Debug, Clone)]
pub struct TransferOutcome {
    pub node: Node,
    /// Whether the destination existed (and was replaced).
    pub replaced: bool,
}

/// Why a drive write was refused by its own preconditions.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DriveConflict {
    #[error("the folder `{0}` does not exist")]
    NoParent(String),
    #[error("`{0}` is not a folder")]
    ParentNotFolder(String),
    #[error("`{0}` already exists")]
    Exists(String),
    #[error("`{0}` does not exist")]
    Missing(String),
    #[error("`{0}` is a folder")]
    IsFolder(String),
    #[error("`{0}` has changed since it was read (ETag mismatch)")]
    Precondition(String),
    #[error("the drive is full: {needed} more bytes needed, {available} available")]
    Quota { needed: u64, available: u64 },
    /// The tenant's quota (all its drives together) is full; `tenant` is
    /// its name, `quota` the bytes it may hold.
    #[error("{tenant} has used its {} (the organisation's storage quota): {needed} more bytes needed, {available} available", human_bytes(*.quota))]
    TenantQuota { tenant: String, quota: u64, needed: u64, available: u64 },
    #[error("a folder cannot be moved or copied into itself")]
    IntoItself,
    #[error("the original folder of `{0}` no longer exists; restore it first")]
    RestoreParent(String),
}

/// Bytes as people write them, in binary units (`50 GB` for 50 GiB, as
/// the operator sets quotas), one decimal where it is not whole.
pub fn human_bytes(n: u64) -> String {
    const UNITS: [&str; 5] = ["B", "KB", "MB", "GB", "TB"];
    let mut v = n as f64;
    let mut u = 0;
    while v >= 1024.0 && u < UNITS.len() - 1 {
        v /= 1024.0;
        u += 1;
    }
    let s = format!("{v:.1}");
    format!("{} {}", s.strip_suffix(".0").unwrap_or(&s), UNITS[u])
}

/// A write's result, or the precondition that stopped it.
pub type Outcome<T> = std::result::Result<(T, Vec<Record>), DriveConflict>;

#[async_trait]
#[allow(clippy::too_many_arguments)]
pub trait DriveStore: Send + Sync + 'static {
    async fn drives(&self) -> Result<Vec<DriveRow>>;
    async fn drive(&self, id: &str) -> Result<Option<DriveRow>>;
    /// Bytes stored in all the tenant's drives (the sum of their `used`,
    /// kept as a running total: one read).
    async fn tenant_used(&self, tenant: &str) -> Result<u64>;
    /// Creates the drive and its root folder; `Exists` when the id or the
    /// (tenant, slug) is taken.
    async fn create_drive(&self, row: &DriveRow, level: u8, now: i64, audit: Vec<Draft>) -> Result<Outcome<()>>;
    async fn update_drive(&self, row: &DriveRow, audit: Vec<Draft>) -> Result<Outcome<()>>;

    async fn node(&self, drive: &str, path: &str) -> Result<Option<Node>>;
    async fn node_by_id(&self, id: i64) -> Result<Option<Node>>;
    /// The folder (or file) at `path` and, for a folder, its children by
    /// name: one query.
    async fn listing(&self, drive: &str, path: &str) -> Result<Option<(Node, Vec<Node>)>>;
    /// `path` and everything below it, ordered by path.
    async fn subtree(&self, drive: &str, path: &str) -> Result<Vec<Node>>;

    /// Every node at or below `path`, live or trashed (`true` = live), for
    /// keeping derived data such as the search index in step.
    async fn scan(&self, drive: &str, path: &str) -> Result<Vec<(Node, bool)>>;
    /// Live nodes by id, in one query.
    async fn nodes_by_ids(&self, ids: &[i64]) -> Result<Vec<Node>>;

    async fn put_file(&self, put: &PutFile, audit: Vec<Draft>) -> Result<Outcome<PutOutcome>>;
    async fn mkdir(
        &self,
        tenant: &str,
        drive: &str,
        path: &str,
        level: u8,
        now: i64,
        by: &str,
        etag: &str,
        audit: Vec<Draft>,
    ) -> Result<Outcome<Node>>;
    /// Moves `path` and its subtree to the trash.
    async fn trash(
        &self,
        tenant: &str,
        drive: &str,
        path: &str,
        trash_id: &str,
        now: i64,
        by: &str,
        audit: Vec<Draft>,
    ) -> Result<Outcome<TrashEntry>>;
    async fn move_node(&self, t: &Transfer, audit: Vec<Draft>) -> Result<Outcome<TransferOutcome>>;
    /// Copies the subtree; file contents are shared by reference (blobs are
    /// immutable), so a copy costs metadata only.
    async fn copy_node(&self, t: &Transfer, audit: Vec<Draft>) -> Result<Outcome<TransferOutcome>>;
    /// Replaces the dead properties of a node.
    async fn set_props(
        &self,
        tenant: &str,
        drive: &str,
        path: &str,
        props: &str,
        audit: Vec<Draft>,
    ) -> Result<Outcome<()>>;
    /// Raises (or, when permitted, lowers) the level of a node; descendants
    /// below the new level are raised with it.
    async fn set_level(
        &self,
        tenant: &str,
        drive: &str,
        path: &str,
        level: u8,
        now: i64,
        audit: Vec<Draft>,
    ) -> Result<Outcome<()>>;

    async fn trash_list(&self, drive: &str) -> Result<Vec<TrashEntry>>;
    /// Brings a trash entry back to its original path.
    async fn restore(&self, tenant: &str, drive: &str, id: &str, now: i64, audit: Vec<Draft>) -> Result<Outcome<Node>>;
    /// Deletes a trash entry for good; its blobs go to the sweeper.
    async fn purge(&self, drive: &str, id: &str, now: i64, audit: Vec<Draft>) -> Result<Outcome<()>>;

    async fn versions(&self, node: i64) -> Result<Vec<Version>>;

    /// Changes of a drive after `since`, oldest first, at most `limit`.
    async fn changes(&self, drive: &str, since: i64, limit: u32) -> Result<Vec<Change>>;
    /// Changes of all drives after `since` (for the search indexer).
    async fn changes_all(&self, since: i64, limit: u32) -> Result<Vec<(String, Change)>>;

    /// Blob keys waiting to be deleted, oldest first.
    async fn blob_gc_pending(&self, limit: u32) -> Result<Vec<String>>;
    /// Like [`DriveStore::blob_gc_pending`], only blobs queued at or before
    /// `before` (ms): a grace period lets a database dump taken before a
    /// bucket copy still find every blob it references in the copy.
    async fn blob_gc_due(&self, before: i64, limit: u32) -> Result<Vec<String>>;
    /// Forgets a pending blob and says whether metadata still uses it (then
    /// the file must be kept).
    async fn blob_gc_take(&self, blob: &str) -> Result<bool>;

    async fn locks(&self, drive: &str) -> Result<Vec<LockRow>>;
    async fn put_lock(&self, lock: &LockRow) -> Result<()>;
    async fn delete_lock(&self, token: &str) -> Result<bool>;
    /// Drops locks that have timed out; returns how many.
    async fn expire_locks(&self, now: i64) -> Result<u64>;

    async fn put_share(&self, share: &ShareRow, audit: Vec<Draft>) -> Result<Outcome<()>>;
    async fn delete_share(&self, id: &str, audit: Vec<Draft>) -> Result<Outcome<()>>;
    async fn share(&self, id: &str) -> Result<Option<ShareRow>>;
    async fn share_by_token(&self, token_hash: &str) -> Result<Option<ShareRow>>;
    async fn shares_of_drive(&self, drive: &str) -> Result<Vec<ShareRow>>;
    /// Live shares whose node is not in the trash, for any of `targets`
    /// (`("principal", id)`, `("group", key)`).
    async fn shares_for(&self, targets: &[(String, String)]) -> Result<Vec<ShareRow>>;
    async fn shares_by_creator(&self, principal: &str) -> Result<Vec<ShareRow>>;
    /// Blob keys a tenant's files and versions refer to, greater than
    /// `after`, ascending, at most `limit`: the cursor of a KEK rotation.
    async fn tenant_blobs_after(&self, tenant: &str, after: &str, limit: u32) -> Result<Vec<String>>;
    /// Off-boarding: removes every drive row of `tenant` (drives, nodes,
    /// versions, trash, shares, locks, changes) and every document of the
    /// tenant (directory, KEK records, sessions), queues its blobs for the
    /// sweeper, and appends `audit`, in one transaction. Audit records stay.
    async fn purge_tenant(&self, tenant: &str, now: i64, audit: Vec<Draft>) -> Result<Vec<suveren_audit::Record>>;
}
