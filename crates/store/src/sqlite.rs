//! The embedded backend: one SQLite database in WAL mode.
//!
//! Writers are serialised by a mutex in front of `BEGIN IMMEDIATE`, which is
//! what SQLite supports anyway and avoids busy-retry storms; readers run
//! concurrently from the pool. Migrations are versioned and applied on open.

use std::path::Path;
use std::str::FromStr;
use std::time::Duration;

use async_trait::async_trait;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{Row, SqliteConnection, SqlitePool};
use std::sync::Arc;
use suveren_audit::{seal, Checkpoint, Draft, Record};
use tokio::sync::{oneshot, Mutex, OwnedMutexGuard};

use crate::{Batch, Object, Op, Result, Store, StoreError};

pub use crate::sqlite_backup::{BlobRef, SnapshotFacts, SCHEMA_VERSION};

/// Versioned schema migrations, applied in order, each in its own
/// transaction together with the version bump.
pub(crate) const MIGRATIONS: &[(i64, &str)] = &[
    (1, include_str!("../migrations/sqlite/0001_initial.sql")),
    (2, include_str!("../migrations/sqlite/0002_drive.sql")),
    (3, include_str!("../migrations/sqlite/0003_retention.sql")),
    (4, include_str!("../migrations/sqlite/0004_tenant_usage.sql")),
    (5, include_str!("../migrations/sqlite/0005_leases.sql")),
];

pub struct SqliteStore {
    pub(crate) pool: SqlitePool,
    pub(crate) write: Arc<Mutex<WriteState>>,
}

/// Group commit. Writes run one after another, each inside a savepoint of one
/// shared transaction; the transaction commits (one fsync, since the
/// database runs with `synchronous=FULL`) as soon as no write is waiting,
/// and only then does each write return. Under load many writes share one
/// fsync; alone, a write commits at once. A write that fails is rolled back
/// to its savepoint and never affects the others.
#[derive(Default)]
pub struct WriteState {
    tx: Option<sqlx::Transaction<'static, sqlx::Sqlite>>,
    waiters: Vec<oneshot::Sender<std::result::Result<(), String>>>,
    flushing: bool,
    /// The last write ended without committing its savepoint.
    rollback: bool,
}

/// One write in progress: the shared transaction, inside its savepoint.
/// Dropped without [`WriteTx::commit`], the write is rolled back.
pub(crate) struct WriteTx {
    guard: Option<OwnedMutexGuard<WriteState>>,
    state: Arc<Mutex<WriteState>>,
}

impl std::ops::Deref for WriteTx {
    type Target = SqliteConnection;
    fn deref(&self) -> &SqliteConnection {
        self.guard.as_ref().and_then(|g| g.tx.as_ref()).expect("a write holds its transaction")
    }
}

impl std::ops::DerefMut for WriteTx {
    fn deref_mut(&mut self) -> &mut SqliteConnection {
        self.guard.as_mut().and_then(|g| g.tx.as_mut()).expect("a write holds its transaction")
    }
}

async fn undo_last(g: &mut WriteState) {
    if g.rollback {
        g.rollback = false;
        if let Some(tx) = g.tx.as_mut() {
            if sqlx::query("ROLLBACK TO w").execute(&mut **tx).await.is_err()
                || sqlx::query("RELEASE w").execute(&mut **tx).await.is_err()
            {
                // The transaction is unusable: drop it whole (rolls back).
                g.tx = None;
                for w in g.waiters.drain(..) {
                    let _ = w.send(Err("the write transaction failed; try again".into()));
                }
            }
        }
    }
}

async fn flush(state: Arc<Mutex<WriteState>>) {
    // Let writes already waiting for the lock join this commit.
    tokio::task::yield_now().await;
    let mut g = state.lock().await;
    undo_last(&mut g).await;
    g.flushing = false;
    let waiters = std::mem::take(&mut g.waiters);
    let res = match g.tx.take() {
        Some(tx) => tx.commit().await.map_err(|e| e.to_string()),
        None => Ok(()),
    };
    drop(g);
    for w in waiters {
        let _ = w.send(res.clone());
    }
}

impl WriteTx {
    /// Keeps this write and waits until the group it joined is on disk.
    pub(crate) async fn commit(mut self) -> Result<()> {
        let mut g = self.guard.take().expect("not yet committed");
        let released = match g.tx.as_mut() {
            Some(tx) => sqlx::query("RELEASE w").execute(&mut **tx).await,
            None => return Err(StoreError::Io(std::io::Error::other("the write transaction was lost"))),
        };
        if let Err(e) = released {
            g.rollback = true;
            self.guard = Some(g);
            return Err(e.into());
        }
        let (tx, rx) = oneshot::channel();
        g.waiters.push(tx);
        if !g.flushing {
            g.flushing = true;
            tokio::spawn(flush(self.state.clone()));
        }
        drop(g);
        match rx.await {
            Ok(Ok(())) => Ok(()),
            Ok(Err(m)) => Err(StoreError::Io(std::io::Error::other(m))),
            Err(_) => Err(StoreError::Io(std::io::Error::other("the write was abandoned"))),
        }
    }
}

impl Drop for WriteTx {
    fn drop(&mut self) {
        if let Some(mut g) = self.guard.take() {
            g.rollback = true;
            if !g.flushing {
                g.flushing = true;
                if let Ok(h) = tokio::runtime::Handle::try_current() {
                    h.spawn(flush(self.state.clone()));
                } else {
                    g.flushing = false;
                }
            }
        }
    }
}

impl SqliteStore {
    /// Starts a write: waits for the writes before it, then opens its
    /// savepoint in the shared transaction.
    pub(crate) async fn begin_write(&self) -> Result<WriteTx> {
        let mut g = self.write.clone().lock_owned().await;
        undo_last(&mut g).await;
        if g.tx.is_none() {
            g.tx = Some(self.pool.begin().await?);
        }
        let tx = g.tx.as_mut().expect("just set");
        sqlx::query("SAVEPOINT w").execute(&mut **tx).await?;
        Ok(WriteTx { guard: Some(g), state: self.write.clone() })
    }
}

pub(crate) fn options(path: &Path, read_only: bool) -> SqliteConnectOptions {
    SqliteConnectOptions::from_str("sqlite://")
        .expect("static url")
        .filename(path)
        .create_if_missing(!read_only)
        .read_only(read_only)
        .journal_mode(SqliteJournalMode::Wal)
        // FULL: a commit is on disk before the client hears "stored".
        .synchronous(SqliteSynchronous::Full)
        .busy_timeout(Duration::from_secs(10))
        .foreign_keys(true)
}

impl SqliteStore {
    /// Opens (creating if needed) and migrates the database at `path`.
    pub async fn open(path: &Path) -> Result<Self> {
        let pool = SqlitePoolOptions::new().max_connections(8).connect_with(options(path, false)).await?;
        let store = SqliteStore { pool, write: Arc::new(Mutex::new(WriteState::default())) };
        store.migrate().await?;
        Ok(store)
    }

    /// Opens an existing database for reading only, e.g. to export the audit
    /// log while the server runs (WAL lets readers and the writer coexist).
    pub async fn open_read_only(path: &Path) -> Result<Self> {
        if !path.exists() {
            return Err(StoreError::Io(std::io::Error::new(
                std::io::ErrorKind::NotFound,
                format!("no database at {}", path.display()),
            )));
        }
        let pool = SqlitePoolOptions::new().max_connections(2).connect_with(options(path, true)).await?;
        let store = SqliteStore { pool, write: Arc::new(Mutex::new(WriteState::default())) };
        let v = store.schema_version().await?;
        let known = MIGRATIONS.last().map(|m| m.0).unwrap_or(0);
        if v > known {
            return Err(StoreError::TooNew { found: v, known });
        }
        Ok(store)
    }

    async fn schema_version(&self) -> Result<i64> {
        let exists: Option<(String,)> =
            sqlx::query_as("SELECT name FROM sqlite_master WHERE type = 'table' AND name = 'schema_migrations'")
                .fetch_optional(&self.pool)
                .await?;
        if exists.is_none() {
            return Ok(0);
        }
        let (v,): (Option<i64>,) =
            sqlx::query_as("SELECT MAX(version) FROM schema_migrations").fetch_one(&self.pool).await?;
        Ok(v.unwrap_or(0))
    }

    async fn migrate(&self) -> Result<()> {
        sqlx::query(
            "CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, applied_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')))",
        )
        .execute(&self.pool)
        .await?;
        let current = self.schema_version().await?;
        let known = MIGRATIONS.last().map(|m| m.0).unwrap_or(0);
        if current > known {
            return Err(StoreError::TooNew { found: current, known });
        }
        for (version, sql) in MIGRATIONS.iter().filter(|m| m.0 > current) {
            let mut tx = self.pool.begin().await?;
            // The migration scripts are compiled into the binary, never input.
            sqlx::raw_sql(sqlx::AssertSqlSafe(*sql))
                .execute(&mut *tx)
                .await
                .map_err(|source| StoreError::Migration { version: *version, source })?;
            sqlx::query("INSERT INTO schema_migrations (version) VALUES (?)").bind(version).execute(&mut *tx).await?;
            tx.commit().await?;
            tracing::info!(version, "applied schema migration");
        }
        Ok(())
    }

    /// Current schema version, for `readyz` and upgrades.
    pub async fn version(&self) -> Result<i64> {
        self.schema_version().await
    }
}

fn row_object(r: &sqlx::sqlite::SqliteRow) -> Object {
    Object {
        kind: r.get("kind"),
        key: r.get("key"),
        tenant: r.get("tenant"),
        owner: r.get("owner"),
        body: r.get("body"),
    }
}

/// Seals drafts onto their tenants' chains inside the caller's transaction.
pub(crate) async fn append_audit(tx: &mut SqliteConnection, drafts: Vec<Draft>) -> Result<Vec<Record>> {
    let mut sealed = Vec::with_capacity(drafts.len());
    for draft in drafts {
        let head: Option<(i64, String)> =
            sqlx::query_as("SELECT seq, hash FROM audit WHERE tenant = ? ORDER BY seq DESC LIMIT 1")
                .bind(&draft.tenant)
                .fetch_optional(&mut *tx)
                .await?;
        let rec = seal(head.as_ref().map(|(s, h)| (*s as u64, h.as_str())), draft);
        let decision = match rec.decision {
            suveren_audit::Outcome::Allow => "allow",
            suveren_audit::Outcome::Deny => "deny",
        };
        sqlx::query(
            "INSERT INTO audit (tenant, seq, time, actor, action, decision, record, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        )
        .bind(&rec.tenant)
        .bind(rec.seq as i64)
        .bind(&rec.time)
        .bind(&rec.actor)
        .bind(&rec.action)
        .bind(decision)
        .bind(serde_json::to_string(&rec).expect("records serialise"))
        .bind(&rec.hash)
        .execute(&mut *tx)
        .await?;
        sealed.push(rec);
    }
    Ok(sealed)
}

fn record_of(json: &str) -> Result<Record> {
    serde_json::from_str(json).map_err(|source| StoreError::Corrupt {
        kind: "audit".into(),
        key: String::new(),
        source,
    })
}

#[async_trait]
impl Store for SqliteStore {
    async fn get(&self, kind: &str, key: &str) -> Result<Option<Object>> {
        let row = sqlx::query("SELECT kind, key, tenant, owner, body FROM objects WHERE kind = ? AND key = ?")
            .bind(kind)
            .bind(key)
            .fetch_optional(&self.pool)
            .await?;
        Ok(row.as_ref().map(row_object))
    }

    async fn list(&self, kind: &str, tenant: Option<&str>) -> Result<Vec<Object>> {
        let rows = match tenant {
            Some(t) => {
                sqlx::query(
                    "SELECT kind, key, tenant, owner, body FROM objects WHERE kind = ? AND tenant = ? ORDER BY key",
                )
                .bind(kind)
                .bind(t)
                .fetch_all(&self.pool)
                .await?
            }
            None => {
                sqlx::query("SELECT kind, key, tenant, owner, body FROM objects WHERE kind = ? ORDER BY key")
                    .bind(kind)
                    .fetch_all(&self.pool)
                    .await?
            }
        };
        Ok(rows.iter().map(row_object).collect())
    }

    async fn list_owned(&self, kind: &str, owner: &str) -> Result<Vec<Object>> {
        let rows =
            sqlx::query("SELECT kind, key, tenant, owner, body FROM objects WHERE kind = ? AND owner = ? ORDER BY key")
                .bind(kind)
                .bind(owner)
                .fetch_all(&self.pool)
                .await?;
        Ok(rows.iter().map(row_object).collect())
    }

    async fn commit(&self, batch: Batch) -> Result<Vec<Record>> {
        let mut tx = self.begin_write().await?;
        for op in &batch.ops {
            match op {
                Op::Insert(o) => {
                    let res = sqlx::query(
                        "INSERT INTO objects (kind, key, tenant, owner, body) VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
                    )
                    .bind(&o.kind)
                    .bind(&o.key)
                    .bind(&o.tenant)
                    .bind(&o.owner)
                    .bind(&o.body)
                    .execute(&mut *tx)
                    .await?;
                    if res.rows_affected() == 0 {
                        return Err(StoreError::Conflict { kind: o.kind.clone(), key: o.key.clone() });
                    }
                }
                Op::Put(o) => {
                    sqlx::query(
                        "INSERT INTO objects (kind, key, tenant, owner, body) VALUES (?, ?, ?, ?, ?)
                         ON CONFLICT (kind, key) DO UPDATE SET tenant = excluded.tenant, owner = excluded.owner, body = excluded.body",
                    )
                    .bind(&o.kind)
                    .bind(&o.key)
                    .bind(&o.tenant)
                    .bind(&o.owner)
                    .bind(&o.body)
                    .execute(&mut *tx)
                    .await?;
                }
                Op::Swap { object: o, expected } => {
                    let res = sqlx::query(
                        "UPDATE objects SET tenant = ?, owner = ?, body = ? WHERE kind = ? AND key = ? AND body = ?",
                    )
                    .bind(&o.tenant)
                    .bind(&o.owner)
                    .bind(&o.body)
                    .bind(&o.kind)
                    .bind(&o.key)
                    .bind(expected)
                    .execute(&mut *tx)
                    .await?;
                    if res.rows_affected() == 0 {
                        return Err(StoreError::Stale { kind: o.kind.clone(), key: o.key.clone() });
                    }
                }
                Op::Delete { kind, key } => {
                    sqlx::query("DELETE FROM objects WHERE kind = ? AND key = ?")
                        .bind(kind)
                        .bind(key)
                        .execute(&mut *tx)
                        .await?;
                }
                Op::DeleteOwned { kind, owner } => {
                    sqlx::query("DELETE FROM objects WHERE kind = ? AND owner = ?")
                        .bind(kind)
                        .bind(owner)
                        .execute(&mut *tx)
                        .await?;
                }
            }
        }
        let sealed = append_audit(&mut tx, batch.audit).await?;
        tx.commit().await?;
        Ok(sealed)
    }

    async fn audit_after(&self, tenant: &str, after: u64, limit: u32) -> Result<Vec<Record>> {
        let rows: Vec<(String,)> =
            sqlx::query_as("SELECT record FROM audit WHERE tenant = ? AND seq > ? ORDER BY seq LIMIT ?")
                .bind(tenant)
                .bind(after as i64)
                .bind(i64::from(limit))
                .fetch_all(&self.pool)
                .await?;
        rows.iter().map(|(r,)| record_of(r)).collect()
    }

    async fn audit_head(&self, tenant: &str) -> Result<Option<(u64, String)>> {
        let head: Option<(i64, String)> =
            sqlx::query_as("SELECT seq, hash FROM audit WHERE tenant = ? ORDER BY seq DESC LIMIT 1")
                .bind(tenant)
                .fetch_optional(&self.pool)
                .await?;
        Ok(head.map(|(s, h)| (s as u64, h)))
    }

    async fn audit_tenants(&self) -> Result<Vec<String>> {
        let rows: Vec<(String,)> =
            sqlx::query_as("SELECT DISTINCT tenant FROM audit ORDER BY tenant").fetch_all(&self.pool).await?;
        Ok(rows.into_iter().map(|r| r.0).collect())
    }

    async fn put_checkpoint(&self, cp: &Checkpoint) -> Result<()> {
        let mut tx = self.begin_write().await?;
        sqlx::query("INSERT INTO audit_checkpoints (tenant, seq, body) VALUES (?, ?, ?) ON CONFLICT DO NOTHING")
            .bind(&cp.tenant)
            .bind(cp.seq as i64)
            .bind(serde_json::to_string(cp).expect("checkpoints serialise"))
            .execute(&mut *tx)
            .await?;
        tx.commit().await
    }

    async fn checkpoints(&self, tenant: &str) -> Result<Vec<Checkpoint>> {
        let rows: Vec<(String,)> = sqlx::query_as("SELECT body FROM audit_checkpoints WHERE tenant = ? ORDER BY seq")
            .bind(tenant)
            .fetch_all(&self.pool)
            .await?;
        rows.iter()
            .map(|(b,)| {
                serde_json::from_str(b).map_err(|source| StoreError::Corrupt {
                    kind: "checkpoint".into(),
                    key: tenant.into(),
                    source,
                })
            })
            .collect()
    }

    async fn ping(&self) -> Result<()> {
        sqlx::query("SELECT 1").execute(&self.pool).await?;
        Ok(())
    }

    async fn lease(&self, name: &str, holder: &str, now: i64, ttl_secs: i64) -> Result<bool> {
        let mut tx = self.begin_write().await?;
        let res = sqlx::query(
            "INSERT INTO leases (name, holder, until) VALUES (?, ?, ?)
             ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, until = excluded.until
             WHERE leases.holder = excluded.holder OR leases.until <= ?",
        )
        .bind(name)
        .bind(holder)
        .bind(now.saturating_add(ttl_secs))
        .bind(now)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(res.rows_affected() > 0)
    }

    async fn leases(&self) -> Result<Vec<crate::Lease>> {
        let rows: Vec<(String, String, i64)> =
            sqlx::query_as("SELECT name, holder, until FROM leases ORDER BY name").fetch_all(&self.pool).await?;
        Ok(rows.into_iter().map(|(name, holder, until)| crate::Lease { name, holder, until }).collect())
    }

    async fn release(&self, name: &str, holder: &str) -> Result<()> {
        let mut tx = self.begin_write().await?;
        sqlx::query("DELETE FROM leases WHERE name = ? AND holder = ?")
            .bind(name)
            .bind(holder)
            .execute(&mut *tx)
            .await?;
        tx.commit().await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn sqlite_passes_the_conformance_suite() {
        let dir = tempfile::tempdir().unwrap();
        let store = SqliteStore::open(&dir.path().join("meta.db")).await.unwrap();
        crate::conformance::run_all(&store).await;
    }

    #[tokio::test]
    async fn migrations_are_idempotent_and_versioned() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("meta.db");
        let latest = MIGRATIONS.last().unwrap().0;
        let s = SqliteStore::open(&path).await.unwrap();
        assert_eq!(s.version().await.unwrap(), latest);
        drop(s);
        let s = SqliteStore::open(&path).await.unwrap();
        assert_eq!(s.version().await.unwrap(), latest);
        let ro = SqliteStore::open_read_only(&path).await.unwrap();
        ro.ping().await.unwrap();
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn concurrent_writes_share_commits_and_a_failing_one_takes_only_itself_down() {
        let dir = tempfile::tempdir().unwrap();
        let s = SqliteStore::open(&dir.path().join("meta.db")).await.unwrap();
        crate::conformance::concurrent_writes(&[std::sync::Arc::new(s)]).await;
    }

    #[tokio::test]
    async fn the_audit_table_refuses_edits() {
        let dir = tempfile::tempdir().unwrap();
        let s = SqliteStore::open(&dir.path().join("meta.db")).await.unwrap();
        s.commit(Batch::new().audit(crate::conformance::draft("t", "a"))).await.unwrap();
        let upd = sqlx::query("UPDATE audit SET actor = 'mallory'").execute(&s.pool).await;
        assert!(upd.unwrap_err().to_string().contains("append-only"));
        let del = sqlx::query("DELETE FROM audit").execute(&s.pool).await;
        assert!(del.is_err());
    }
}
