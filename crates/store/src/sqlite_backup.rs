//! What `suveren backup` and `suveren restore` need from the embedded
//! database: a consistent copy taken while the server writes, and the facts
//! about such a copy (schema version, the blobs it references, counts).
//!
//! The copy is `VACUUM INTO`: one read transaction over the live database,
//! written page by page into a new file. In WAL mode readers never block the
//! writer, so uploads and every other write carry on while it runs; the copy
//! is exactly the database as of the moment its transaction began.

use std::collections::BTreeMap;
use std::path::Path;
use std::str::FromStr;

use sqlx::sqlite::{SqliteConnectOptions, SqlitePoolOptions};
use sqlx::Row;

use crate::sqlite::{options, SqliteStore, MIGRATIONS};
use crate::{Result, StoreError};

/// The schema version this binary writes (the last migration).
pub const SCHEMA_VERSION: i64 = MIGRATIONS[MIGRATIONS.len() - 1].0;

/// A blob a snapshot references, with the plaintext size its metadata
/// records (the same for every row naming it, or listed in
/// [`SnapshotFacts::size_conflicts`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BlobRef {
    pub key: String,
    pub size: u64,
}

/// What a database snapshot holds, for the backup manifest and checks.
#[derive(Debug, Clone, Default)]
pub struct SnapshotFacts {
    pub schema_version: i64,
    /// Every blob named by a file (live or in the trash) or by a version,
    /// ordered by key.
    pub blobs: Vec<BlobRef>,
    /// Blobs that rows name with different sizes (damaged metadata).
    pub size_conflicts: Vec<String>,
    /// Row counts: `drives`, `files`, `folders`, `trashed`, `versions`,
    /// `shares`, `audit_records`, `audit_checkpoints`, and `objects.<kind>`
    /// for each kind of document.
    pub counts: BTreeMap<String, u64>,
}

impl SqliteStore {
    /// Writes a consistent copy of the whole database to `dest` with
    /// `VACUUM INTO`. `dest` must not exist or be an empty file (create it
    /// empty first to choose its mode). Works on a read-only store, while
    /// the server runs.
    pub async fn snapshot_into(&self, dest: &Path) -> Result<()> {
        let name = dest
            .to_str()
            .ok_or_else(|| StoreError::Io(std::io::Error::other(format!("{} is not UTF-8", dest.display()))))?;
        sqlx::query("VACUUM INTO ?").bind(name).execute(&self.pool).await?;
        Ok(())
    }

    /// Opens a snapshot written by [`SqliteStore::snapshot_into`] (or a
    /// restored copy of one) for reading, as an immutable file: nothing is
    /// written next to it, so it may lie on read-only media. Refuses a schema
    /// newer than this binary knows.
    pub async fn open_snapshot(path: &Path) -> Result<Self> {
        if !path.is_file() {
            return Err(StoreError::Io(std::io::Error::new(
                std::io::ErrorKind::NotFound,
                format!("no database at {}", path.display()),
            )));
        }
        let opts = SqliteConnectOptions::from_str("sqlite://")
            .expect("static url")
            .filename(path)
            .read_only(true)
            .immutable(true);
        let pool = SqlitePoolOptions::new().max_connections(1).connect_with(opts).await?;
        let store = SqliteStore { pool, write: Default::default() };
        let v = store.version().await?;
        if v > SCHEMA_VERSION {
            return Err(StoreError::TooNew { found: v, known: SCHEMA_VERSION });
        }
        Ok(store)
    }

    /// Puts a restored snapshot (a rollback-journal file, as `VACUUM INTO`
    /// writes it) into the WAL mode the server runs it in, so read-only tools
    /// such as `suveren audit export --data` open it before the server has.
    /// Applies no migration: that is the server's, at its start.
    pub async fn prepare_restored(path: &Path) -> Result<()> {
        let opts = options(path, false).create_if_missing(false);
        let pool = SqlitePoolOptions::new().max_connections(1).connect_with(opts).await?;
        pool.close().await;
        Ok(())
    }

    /// `PRAGMA integrity_check`: `Ok(())` or the problems SQLite reports.
    pub async fn integrity_check(&self) -> Result<Result<(), Vec<String>>> {
        let rows: Vec<(String,)> = sqlx::query_as("PRAGMA integrity_check").fetch_all(&self.pool).await?;
        let problems: Vec<String> = rows.into_iter().map(|r| r.0).filter(|r| r != "ok").collect();
        Ok(if problems.is_empty() { Ok(()) } else { Err(problems) })
    }

    /// The blobs this database references and its counts.
    pub async fn snapshot_facts(&self) -> Result<SnapshotFacts> {
        let schema_version = self.version().await?;
        let rows = sqlx::query(
            "SELECT blob, MIN(size) AS lo, MAX(size) AS hi FROM (
                 SELECT blob, size FROM nodes WHERE blob IS NOT NULL
                 UNION ALL
                 SELECT blob, size FROM versions)
             GROUP BY blob ORDER BY blob",
        )
        .fetch_all(&self.pool)
        .await?;
        let mut blobs = Vec::with_capacity(rows.len());
        let mut size_conflicts = Vec::new();
        for r in &rows {
            let key: String = r.get("blob");
            let (lo, hi): (i64, i64) = (r.get("lo"), r.get("hi"));
            if lo != hi {
                size_conflicts.push(key.clone());
            }
            blobs.push(BlobRef { key, size: u64::try_from(hi).unwrap_or(0) });
        }
        let mut counts = BTreeMap::new();
        let scalar = [
            ("drives", "SELECT COUNT(*) FROM drives"),
            ("files", "SELECT COUNT(*) FROM nodes WHERE dir = 0 AND trash IS NULL"),
            ("folders", "SELECT COUNT(*) FROM nodes WHERE dir = 1 AND trash IS NULL"),
            ("trashed", "SELECT COUNT(*) FROM nodes WHERE trash IS NOT NULL"),
            ("versions", "SELECT COUNT(*) FROM versions"),
            ("shares", "SELECT COUNT(*) FROM shares"),
            ("audit_records", "SELECT COUNT(*) FROM audit"),
            ("audit_checkpoints", "SELECT COUNT(*) FROM audit_checkpoints"),
        ];
        for (name, sql) in scalar {
            let (n,): (i64,) = sqlx::query_as(sql).fetch_one(&self.pool).await?;
            counts.insert(name.to_string(), n as u64);
        }
        let kinds: Vec<(String, i64)> =
            sqlx::query_as("SELECT kind, COUNT(*) FROM objects GROUP BY kind ORDER BY kind")
                .fetch_all(&self.pool)
                .await?;
        for (kind, n) in kinds {
            counts.insert(format!("objects.{kind}"), n as u64);
        }
        Ok(SnapshotFacts { schema_version, blobs, size_conflicts, counts })
    }
}
