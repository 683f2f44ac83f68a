//! Storage side of retention, legal hold and erasure: paged walks over the
//! trash, versions and files for the retention job, and one write that
//! applies a whole batch of removals with its audit records and the job's
//! cursor in a single transaction.
//!
//! The decisions (what is old enough, what a hold covers) are the service's
//! and the domain's; this layer only re-checks inside the transaction that
//! the things it removes still exist and that the tenant's legal holds are
//! the ones the decision was made with.

use async_trait::async_trait;
use suveren_audit::{Draft, Record};

use crate::drive::{Node, TrashEntry, Version};
use crate::Result;

/// The kind of the legal-hold documents (`objects` table), read inside a
/// batch's transaction to make sure no hold appeared since it was planned.
pub const HOLD_KIND: &str = "legal_hold";

/// Everything one batch removes, applied in one transaction.
#[derive(Debug, Clone, Default)]
pub struct Removal {
    /// Unix ms: when blobs were queued for the sweeper, trash entries made.
    pub now: i64,
    /// Trash entries to delete for good: (drive, trash id).
    pub purge: Vec<(String, String)>,
    /// Earlier versions to drop, by id.
    pub versions: Vec<i64>,
    /// Live files to move to the trash: (tenant, drive, node id, new trash
    /// id, by). Skipped if the node is gone or trashed meanwhile.
    pub expire: Vec<(String, String, i64, String, String)>,
    /// Nodes (live or trashed) to delete outright with their versions and
    /// shares (erasure): (tenant, node id).
    pub erase: Vec<(String, i64)>,
    /// Shares to delete, by id.
    pub shares: Vec<String>,
    /// Drives to tidy after erasure, (tenant, drive): folders and trash
    /// entries left empty are deleted, and the drive itself when nothing is
    /// left in it.
    pub tidy: Vec<(String, String)>,
    /// The legal holds of each tenant the batch touches, as the planner saw
    /// them: (tenant, [`hold_fingerprint`]). A difference rolls back.
    pub holds: Vec<(String, String)>,
    /// Where the job's cursor moves (`None`: cleared, the pass is done).
    pub cursor: Option<(String, Option<String>)>,
    pub audit: Vec<Draft>,
}

/// What a batch did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Removed {
    pub purged: u64,
    pub versions: u64,
    pub expired: u64,
    pub erased: u64,
    pub shares: u64,
    /// Bytes of content released (queued for the sweeper).
    pub bytes: u64,
    /// Drives deleted because nothing was left in them.
    pub drives: Vec<String>,
}

/// A stable rendering of a tenant's hold documents (key and body, by key),
/// compared inside the transaction.
pub fn hold_fingerprint(docs: &[(String, String)]) -> String {
    let mut s = String::new();
    for (k, b) in docs {
        s.push_str(k);
        s.push('\u{1f}');
        s.push_str(b);
        s.push('\u{1e}');
    }
    s
}

#[async_trait]
pub trait RetentionStore: Send + Sync + 'static {
    async fn retention_cursor(&self, name: &str) -> Result<Option<String>>;
    /// Trash entries after `after` (insertion order), with their tenant.
    async fn trash_page(&self, after: i64, limit: u32) -> Result<Vec<(i64, String, TrashEntry)>>;
    /// The nodes of one trash entry.
    async fn trash_nodes(&self, trash_id: &str) -> Result<Vec<Node>>;
    /// Versions of live files after version id `after`, with their file.
    async fn versions_page(&self, after: i64, limit: u32) -> Result<Vec<(Version, Node)>>;
    /// Live files after node id `after`.
    async fn files_page(&self, after: i64, limit: u32) -> Result<Vec<Node>>;
    /// Every node of a drive, live (`true`) or trashed, with its trash entry.
    async fn drive_nodes(&self, drive: &str) -> Result<Vec<(Node, Option<String>)>>;
    /// Versions of every node of a drive.
    async fn drive_versions(&self, drive: &str) -> Result<Vec<Version>>;
    /// Shares that name the principal as target.
    async fn shares_targeting(&self, principal: &str) -> Result<Vec<crate::drive::ShareRow>>;
    /// Forgets the change feed of a drive up to `upto` (after erasure, once
    /// the search index has applied it): the feed names files, and the
    /// person's file names are personal data. Returns the rows removed.
    async fn forget_changes(&self, drive: &str, upto: i64) -> Result<u64>;
    /// Applies the batch; `None` when a tenant's legal holds changed since
    /// the batch was planned (nothing was changed: plan again).
    async fn apply_removal(&self, r: Removal) -> Result<Option<(Removed, Vec<Record>)>>;
}
