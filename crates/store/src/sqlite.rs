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
use sqlx::{Row, SqlitePool};
use suveren_audit::{seal, Checkpoint, Draft, Record};
use tokio::sync::Mutex;

use crate::{Batch, Object, Op, Result, Store, StoreError};

/// Versioned schema migrations, applied in order, each in its own
/// transaction together with the version bump.
const MIGRATIONS: &[(i64, &str)] = &[
    (1, include_str!("../migrations/sqlite/0001_initial.sql")),
    (2, include_str!("../migrations/sqlite/0002_drive.sql")),
];

pub struct SqliteStore {
    pub(crate) pool: SqlitePool,
    pub(crate) write: Mutex<()>,
}

fn options(path: &Path, read_only: bool) -> SqliteConnectOptions {
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
        let store = SqliteStore { pool, write: Mutex::new(()) };
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
        let store = SqliteStore { pool, write: Mutex::new(()) };
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
        let _w = self.write.lock().await;
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
pub(crate) async fn append_audit(
    tx: &mut sqlx::Transaction<'_, sqlx::Sqlite>,
    drafts: Vec<Draft>,
) -> Result<Vec<Record>> {
    let mut sealed = Vec::with_capacity(drafts.len());
    for draft in drafts {
        let head: Option<(i64, String)> =
            sqlx::query_as("SELECT seq, hash FROM audit WHERE tenant = ? ORDER BY seq DESC LIMIT 1")
                .bind(&draft.tenant)
                .fetch_optional(&mut **tx)
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
        .execute(&mut **tx)
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
        let _w = self.write.lock().await;
        let mut tx = self.pool.begin().await?;
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
        let _w = self.write.lock().await;
        sqlx::query("INSERT INTO audit_checkpoints (tenant, seq, body) VALUES (?, ?, ?) ON CONFLICT DO NOTHING")
            .bind(&cp.tenant)
            .bind(cp.seq as i64)
            .bind(serde_json::to_string(cp).expect("checkpoints serialise"))
            .execute(&self.pool)
            .await?;
        Ok(())
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
        let s = SqliteStore::open(&path).await.unwrap();
        assert_eq!(s.version().await.unwrap(), 2);
        drop(s);
        let s = SqliteStore::open(&path).await.unwrap();
        assert_eq!(s.version().await.unwrap(), 2);
        let ro = SqliteStore::open_read_only(&path).await.unwrap();
        ro.ping().await.unwrap();
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
