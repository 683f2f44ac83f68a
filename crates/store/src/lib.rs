//! Storage behind one narrow trait.
//!
//! Services see typed documents keyed by `(kind, key)`, each with its tenant
//! and an optional owner, plus the per-tenant audit chain. A [`Batch`]
//! commits document changes *and* their audit records in one transaction, so
//! no action can land without its record (trust model rule 5). The embedded
//! default is [`sqlite::SqliteStore`]; [`postgres::PgStore`] implements the
//! same traits for installations of several nodes, and both must pass the
//! same [`conformance`] suite.

pub mod bus;
pub mod conformance;
pub mod drive;
pub mod migrate;
pub mod pg_bus;
mod pg_drive;
mod pg_retention;
#[doc(hidden)]
pub mod pg_test;
pub mod postgres;
pub mod retention;
pub mod sqlite;
mod sqlite_backup;
mod sqlite_drive;
mod sqlite_retention;

use async_trait::async_trait;
use serde::{de::DeserializeOwned, Serialize};
use suveren_audit::{Checkpoint, Draft, Record};

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("{kind} `{key}` already exists")]
    Conflict { kind: String, key: String },
    #[error("{kind} `{key}` changed underneath this request; try again")]
    Stale { kind: String, key: String },
    #[error("stored {kind} `{key}` cannot be read: {source}")]
    Corrupt { kind: String, key: String, source: serde_json::Error },
    #[error("database: {0}")]
    Db(#[from] sqlx::Error),
    #[error("schema migration {version} failed: {source}")]
    Migration { version: i64, source: sqlx::Error },
    #[error("the database has schema version {found}, newer than this binary knows ({known}); upgrade Suveren")]
    TooNew { found: i64, known: i64 },
    #[error("{0}")]
    Io(#[from] std::io::Error),
}

pub type Result<T, E = StoreError> = std::result::Result<T, E>;

/// A stored document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Object {
    pub kind: String,
    pub key: String,
    pub tenant: String,
    pub owner: Option<String>,
    pub body: String,
}

impl Object {
    pub fn decode<T: DeserializeOwned>(&self) -> Result<T> {
        serde_json::from_str(&self.body).map_err(|source| StoreError::Corrupt {
            kind: self.kind.clone(),
            key: self.key.clone(),
            source,
        })
    }
}

/// One change inside a [`Batch`].
#[derive(Debug, Clone)]
pub enum Op {
    /// Create; fails the whole batch with [`StoreError::Conflict`] if present.
    Insert(Object),
    /// Create or replace.
    Put(Object),
    /// Replace only if the stored body is still `expected` (optimistic
    /// concurrency for read-modify-write, e.g. TOTP replay protection).
    Swap {
        object: Object,
        expected: String,
    },
    Delete {
        kind: String,
        key: String,
    },
    /// Delete every document of `kind` owned by `owner` (sign out everywhere).
    DeleteOwned {
        kind: String,
        owner: String,
    },
}

impl Op {
    pub fn insert<T: Serialize>(kind: &str, key: &str, tenant: &str, owner: Option<&str>, body: &T) -> Op {
        Op::Insert(object(kind, key, tenant, owner, body))
    }
    pub fn put<T: Serialize>(kind: &str, key: &str, tenant: &str, owner: Option<&str>, body: &T) -> Op {
        Op::Put(object(kind, key, tenant, owner, body))
    }
    pub fn delete(kind: &str, key: &str) -> Op {
        Op::Delete { kind: kind.into(), key: key.into() }
    }
}

/// Serialises a body; our own types always serialise, so a failure is a bug.
pub fn object<T: Serialize>(kind: &str, key: &str, tenant: &str, owner: Option<&str>, body: &T) -> Object {
    Object {
        kind: kind.into(),
        key: key.into(),
        tenant: tenant.into(),
        owner: owner.map(Into::into),
        body: serde_json::to_string(body).expect("stored types serialise"),
    }
}

/// Changes and the audit records describing them, committed atomically.
#[derive(Debug, Clone, Default)]
pub struct Batch {
    pub ops: Vec<Op>,
    pub audit: Vec<Draft>,
}

impl Batch {
    pub fn new() -> Self {
        Self::default()
    }
    pub fn op(mut self, op: Op) -> Self {
        self.ops.push(op);
        self
    }
    pub fn audit(mut self, d: Draft) -> Self {
        self.audit.push(d);
        self
    }
}

#[async_trait]
pub trait Store: drive::DriveStore + retention::RetentionStore + Send + Sync + 'static {
    async fn get(&self, kind: &str, key: &str) -> Result<Option<Object>>;
    /// All documents of a kind, optionally of one tenant, ordered by key.
    async fn list(&self, kind: &str, tenant: Option<&str>) -> Result<Vec<Object>>;
    async fn list_owned(&self, kind: &str, owner: &str) -> Result<Vec<Object>>;
    /// Applies the batch in one transaction and returns the sealed records.
    async fn commit(&self, batch: Batch) -> Result<Vec<Record>>;
    /// Records of a tenant with `seq > after`, ascending, at most `limit`.
    async fn audit_after(&self, tenant: &str, after: u64, limit: u32) -> Result<Vec<Record>>;
    async fn audit_head(&self, tenant: &str) -> Result<Option<(u64, String)>>;
    /// Tenants (and the operator realm) that have audit records.
    async fn audit_tenants(&self) -> Result<Vec<String>>;
    async fn put_checkpoint(&self, cp: &Checkpoint) -> Result<()>;
    async fn checkpoints(&self, tenant: &str) -> Result<Vec<Checkpoint>>;
    /// Readiness: the database answers.
    async fn ping(&self) -> Result<()>;
    /// Takes or renews the lease `name` for `holder` until `now + ttl_secs`
    /// (unix seconds, the service clock's unit): `true` when `holder` holds
    /// it now (it was free, expired, or already theirs), `false` while
    /// another holder's lease is live. Background jobs that must run once
    /// across all nodes take a lease before each run.
    async fn lease(&self, name: &str, holder: &str, now: i64, ttl_secs: i64) -> Result<bool>;
    /// Gives the lease up early, if `holder` holds it.
    async fn release(&self, name: &str, holder: &str) -> Result<()>;
    /// Every lease with its holder and end (live or not), by name: the
    /// health view says which node runs which job.
    async fn leases(&self) -> Result<Vec<Lease>>;
}

/// A job's lease as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Lease {
    pub name: String,
    pub holder: String,
    /// Unix seconds.
    pub until: i64,
}
