//! The PostgreSQL backend, for installations where several app nodes share
//! one database.
//!
//! It keeps exactly the semantics of the SQLite backend, including its one
//! writer: every write transaction first takes one global advisory lock
//! (`pg_advisory_xact_lock`, held until commit or rollback). SQLite gets
//! correctness from having a single writer: each tenant's audit chain is
//! extended from a head nobody else is extending, quota checks see every
//! byte committed before them, and change-feed numbers become visible in
//! the order they were taken, so a `changes_all` poller never skips one that
//! commits late. Serialising the writers of all nodes keeps every one of
//! those properties without re-deriving each under PostgreSQL's concurrency
//! (row locks, serialisation retries, sequence gaps seen out of order).
//!
//! Known limit: writes serialise across the whole installation. Reads,
//! listings and blob streaming do not (blobs are not in the database at all;
//! a write holds the lock only for its metadata transaction, never while
//! content is uploaded). If metadata writes ever become the bottleneck, the
//! lock can be split per tenant, since chains, quotas and drives are
//! per-tenant; the change feed's global order would then need its own
//! sequencing.
//!
//! Migrations are versioned like SQLite's and run under a session advisory
//! lock, so nodes starting together apply each exactly once.

use std::str::FromStr;
use std::time::Duration;

use async_trait::async_trait;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions, PgRow};
use sqlx::{PgConnection, PgPool, Row};
use suveren_audit::{seal, Checkpoint, Draft, Record};

use crate::{Batch, Object, Op, Result, Store, StoreError};

/// Versioned schema migrations, applied in order, each in its own
/// transaction together with the version bump.
pub(crate) const MIGRATIONS: &[(i64, &str)] = &[
    (1, include_str!("../migrations/postgres/0001_initial.sql")),
    (2, include_str!("../migrations/postgres/0002_drive.sql")),
    (3, include_str!("../migrations/postgres/0003_retention.sql")),
    (4, include_str!("../migrations/postgres/0004_tenant_usage.sql")),
    (5, include_str!("../migrations/postgres/0005_leases.sql")),
];

/// The schema version this binary writes (the last migration).
pub const SCHEMA_VERSION: i64 = MIGRATIONS[MIGRATIONS.len() - 1].0;

/// Advisory lock keys ("Suveren" and a number), one space for the
/// installation's database.
const WRITE_LOCK: i64 = 0x5375_7665_7265_6e01;
const MIGRATE_LOCK: i64 = 0x5375_7665_7265_6e02;

/// Pool size of [`PgStore::open`].
pub const DEFAULT_MAX_CONNECTIONS: u32 = 16;

pub struct PgStore {
    pub(crate) pool: PgPool,
}

/// One write: a transaction holding the global write lock. Dropped without
/// [`WriteTx::commit`], it rolls back (and the lock goes with it).
pub(crate) struct WriteTx(sqlx::Transaction<'static, sqlx::Postgres>);

impl std::ops::Deref for WriteTx {
    type Target = PgConnection;
    fn deref(&self) -> &PgConnection {
        &self.0
    }
}

impl std::ops::DerefMut for WriteTx {
    fn deref_mut(&mut self) -> &mut PgConnection {
        &mut self.0
    }
}

impl WriteTx {
    pub(crate) async fn commit(self) -> Result<()> {
        self.0.commit().await?;
        Ok(())
    }
}

impl PgStore {
    /// Connects to `url` (`postgres://user@host:port/db`) and migrates.
    pub async fn open(url: &str) -> Result<Self> {
        Self::open_with(url, DEFAULT_MAX_CONNECTIONS).await
    }

    /// As [`PgStore::open`], with at most `max_connections` connections
    /// from this node. Writers wait for the write lock holding one each, so
    /// the pool should be larger than the writes a node runs at once.
    pub async fn open_with(url: &str, max_connections: u32) -> Result<Self> {
        // A node that stalls or loses its network in the middle of a write
        // would otherwise hold the installation's write lock until the
        // server noticed the dead connection; our writes never sit idle
        // inside a transaction, so a minute is generous.
        let options = PgConnectOptions::from_str(url)?.options([("idle_in_transaction_session_timeout", "60s")]);
        let pool = PgPoolOptions::new()
            .max_connections(max_connections.max(1))
            .acquire_timeout(Duration::from_secs(30))
            .connect_with(options)
            .await?;
        let store = PgStore { pool };
        store.migrate().await?;
        Ok(store)
    }

    /// The connection pool, for what shares the database with the store
    /// (the cluster's LISTEN/NOTIFY bus).
    pub fn pool(&self) -> &PgPool {
        &self.pool
    }

    /// Starts a write: a transaction that waits for the global write lock.
    pub(crate) async fn begin_write(&self) -> Result<WriteTx> {
        let mut tx = self.pool.begin().await?;
        sqlx::query("SELECT pg_advisory_xact_lock($1)").bind(WRITE_LOCK).execute(&mut *tx).await?;
        Ok(WriteTx(tx))
    }

    async fn schema_version_on(conn: &mut PgConnection) -> Result<i64> {
        let exists: Option<String> =
            sqlx::query_scalar("SELECT to_regclass('schema_migrations')::text").fetch_one(&mut *conn).await?;
        if exists.is_none() {
            return Ok(0);
        }
        let v: Option<i64> =
            sqlx::query_scalar("SELECT MAX(version) FROM schema_migrations").fetch_one(&mut *conn).await?;
        Ok(v.unwrap_or(0))
    }

    async fn migrate(&self) -> Result<()> {
        let mut conn = self.pool.acquire().await?;
        sqlx::query("SELECT pg_advisory_lock($1)").bind(MIGRATE_LOCK).execute(&mut *conn).await?;
        let res = Self::migrate_locked(&mut conn).await;
        let unlocked = sqlx::query("SELECT pg_advisory_unlock($1)").bind(MIGRATE_LOCK).execute(&mut *conn).await;
        if unlocked.is_err() {
            // A session lock must not return to the pool with its connection.
            conn.close_on_drop();
        }
        res
    }

    async fn migrate_locked(conn: &mut PgConnection) -> Result<()> {
        sqlx::query(
            "CREATE TABLE IF NOT EXISTS schema_migrations (
                 version BIGINT PRIMARY KEY,
                 applied_at TIMESTAMPTZ NOT NULL DEFAULT now())",
        )
        .execute(&mut *conn)
        .await?;
        let current = Self::schema_version_on(conn).await?;
        if current > SCHEMA_VERSION {
            return Err(StoreError::TooNew { found: current, known: SCHEMA_VERSION });
        }
        for (version, sql) in MIGRATIONS.iter().filter(|m| m.0 > current) {
            let mut tx = sqlx::Connection::begin(&mut *conn).await?;
            // The migration scripts are compiled into the binary, never input.
            sqlx::raw_sql(sqlx::AssertSqlSafe(*sql))
                .execute(&mut *tx)
                .await
                .map_err(|source| StoreError::Migration { version: *version, source })?;
            sqlx::query("INSERT INTO schema_migrations (version) VALUES ($1)").bind(version).execute(&mut *tx).await?;
            tx.commit().await?;
            tracing::info!(version, "applied schema migration");
        }
        Ok(())
    }

    /// Current schema version, for `readyz` and upgrades.
    pub async fn version(&self) -> Result<i64> {
        let mut conn = self.pool.acquire().await?;
        Self::schema_version_on(&mut conn).await
    }
}

fn row_object(r: &PgRow) -> Object {
    Object {
        kind: r.get("kind"),
        key: r.get("key"),
        tenant: r.get("tenant"),
        owner: r.get("owner"),
        body: r.get("body"),
    }
}

/// Seals drafts onto their tenants' chains inside the caller's transaction
/// (which holds the write lock, so nobody else extends a chain meanwhile).
pub(crate) async fn append_audit(tx: &mut PgConnection, drafts: Vec<Draft>) -> Result<Vec<Record>> {
    let mut sealed = Vec::with_capacity(drafts.len());
    for draft in drafts {
        let head: Option<(i64, String)> =
            sqlx::query_as("SELECT seq, hash FROM audit WHERE tenant = $1 ORDER BY seq DESC LIMIT 1")
                .bind(&draft.tenant)
                .fetch_optional(&mut *tx)
                .await?;
        let rec = seal(head.as_ref().map(|(s, h)| (*s as u64, h.as_str())), draft);
        let decision = match rec.decision {
            suveren_audit::Outcome::Allow => "allow",
            suveren_audit::Outcome::Deny => "deny",
        };
        sqlx::query(
            "INSERT INTO audit (tenant, seq, time, actor, action, decision, record, hash)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
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
impl Store for PgStore {
    async fn get(&self, kind: &str, key: &str) -> Result<Option<Object>> {
        let row = sqlx::query("SELECT kind, key, tenant, owner, body FROM objects WHERE kind = $1 AND key = $2")
            .bind(kind)
            .bind(key)
            .fetch_optional(&self.pool)
            .await?;
        Ok(row.as_ref().map(row_object))
    }

    async fn list(&self, kind: &str, tenant: Option<&str>) -> Result<Vec<Object>> {
        let rows =
            match tenant {
                Some(t) => sqlx::query(
                    "SELECT kind, key, tenant, owner, body FROM objects WHERE kind = $1 AND tenant = $2 ORDER BY key",
                )
                .bind(kind)
                .bind(t)
                .fetch_all(&self.pool)
                .await?,
                None => {
                    sqlx::query("SELECT kind, key, tenant, owner, body FROM objects WHERE kind = $1 ORDER BY key")
                        .bind(kind)
                        .fetch_all(&self.pool)
                        .await?
                }
            };
        Ok(rows.iter().map(row_object).collect())
    }

    async fn list_owned(&self, kind: &str, owner: &str) -> Result<Vec<Object>> {
        let rows = sqlx::query(
            "SELECT kind, key, tenant, owner, body FROM objects WHERE kind = $1 AND owner = $2 ORDER BY key",
        )
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
                        "INSERT INTO objects (kind, key, tenant, owner, body) VALUES ($1, $2, $3, $4, $5)
                         ON CONFLICT DO NOTHING",
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
                        "INSERT INTO objects (kind, key, tenant, owner, body) VALUES ($1, $2, $3, $4, $5)
                         ON CONFLICT (kind, key) DO UPDATE
                         SET tenant = excluded.tenant, owner = excluded.owner, body = excluded.body",
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
                        "UPDATE objects SET tenant = $1, owner = $2, body = $3
                         WHERE kind = $4 AND key = $5 AND body = $6",
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
                    sqlx::query("DELETE FROM objects WHERE kind = $1 AND key = $2")
                        .bind(kind)
                        .bind(key)
                        .execute(&mut *tx)
                        .await?;
                }
                Op::DeleteOwned { kind, owner } => {
                    sqlx::query("DELETE FROM objects WHERE kind = $1 AND owner = $2")
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
            sqlx::query_as("SELECT record FROM audit WHERE tenant = $1 AND seq > $2 ORDER BY seq LIMIT $3")
                .bind(tenant)
                .bind(after as i64)
                .bind(i64::from(limit))
                .fetch_all(&self.pool)
                .await?;
        rows.iter().map(|(r,)| record_of(r)).collect()
    }

    async fn audit_head(&self, tenant: &str) -> Result<Option<(u64, String)>> {
        let head: Option<(i64, String)> =
            sqlx::query_as("SELECT seq, hash FROM audit WHERE tenant = $1 ORDER BY seq DESC LIMIT 1")
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
        sqlx::query("INSERT INTO audit_checkpoints (tenant, seq, body) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING")
            .bind(&cp.tenant)
            .bind(cp.seq as i64)
            .bind(serde_json::to_string(cp).expect("checkpoints serialise"))
            .execute(&mut *tx)
            .await?;
        tx.commit().await
    }

    async fn checkpoints(&self, tenant: &str) -> Result<Vec<Checkpoint>> {
        let rows: Vec<(String,)> = sqlx::query_as("SELECT body FROM audit_checkpoints WHERE tenant = $1 ORDER BY seq")
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

    /// One statement, without the write lock: the upsert is atomic under
    /// the row's lock, and a renewal must not wait behind a long write (it
    /// could expire meanwhile).
    async fn lease(&self, name: &str, holder: &str, now: i64, ttl_secs: i64) -> Result<bool> {
        let res = sqlx::query(
            "INSERT INTO leases (name, holder, until) VALUES ($1, $2, $3)
             ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, until = excluded.until
             WHERE leases.holder = excluded.holder OR leases.until <= $4",
        )
        .bind(name)
        .bind(holder)
        .bind(now.saturating_add(ttl_secs))
        .bind(now)
        .execute(&self.pool)
        .await?;
        Ok(res.rows_affected() > 0)
    }

    async fn leases(&self) -> Result<Vec<crate::Lease>> {
        let rows: Vec<(String, String, i64)> =
            sqlx::query_as("SELECT name, holder, until FROM leases ORDER BY name").fetch_all(&self.pool).await?;
        Ok(rows.into_iter().map(|(name, holder, until)| crate::Lease { name, holder, until }).collect())
    }

    async fn release(&self, name: &str, holder: &str) -> Result<()> {
        sqlx::query("DELETE FROM leases WHERE name = $1 AND holder = $2")
            .bind(name)
            .bind(holder)
            .execute(&self.pool)
            .await?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

    async fn fresh() -> Option<PgStore> {
        let url = crate::pg_test::fresh_database().await?;
        Some(PgStore::open(&url).await.unwrap())
    }

    #[tokio::test]
    async fn postgres_passes_the_conformance_suite() {
        let Some(store) = fresh().await else { return crate::pg_test::skipped() };
        crate::conformance::run_all(&store).await;
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn concurrent_writes_keep_one_chain() {
        let Some(store) = fresh().await else { return crate::pg_test::skipped() };
        crate::conformance::concurrent_writes(&[Arc::new(store)]).await;
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn two_nodes_writing_at_once_behave_as_one_writer() {
        // Two stores on one database are two nodes: separate pools, shared
        // tables; only the database's advisory lock orders their writes.
        let Some(url) = crate::pg_test::fresh_database().await else { return crate::pg_test::skipped() };
        let (a, b) = tokio::join!(PgStore::open(&url), PgStore::open(&url));
        let (a, b): (Arc<dyn Store>, Arc<dyn Store>) = (Arc::new(a.unwrap()), Arc::new(b.unwrap()));
        crate::conformance::concurrent_writes(&[a, b]).await;
    }

    #[tokio::test]
    async fn migrations_are_idempotent_versioned_and_refuse_a_newer_schema() {
        let Some(url) = crate::pg_test::fresh_database().await else { return crate::pg_test::skipped() };
        // Nodes starting at once: the migration lock lets one apply each step.
        let (a, b, c) = tokio::join!(PgStore::open(&url), PgStore::open(&url), PgStore::open(&url));
        for s in [a.unwrap(), b.unwrap(), c.unwrap()] {
            assert_eq!(s.version().await.unwrap(), SCHEMA_VERSION);
        }
        let s = PgStore::open(&url).await.unwrap();
        assert_eq!(s.version().await.unwrap(), SCHEMA_VERSION);
        let (n,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM schema_migrations").fetch_one(&s.pool).await.unwrap();
        assert_eq!(n, SCHEMA_VERSION, "each migration recorded once");
        sqlx::query("INSERT INTO schema_migrations (version) VALUES ($1)")
            .bind(SCHEMA_VERSION + 1)
            .execute(&s.pool)
            .await
            .unwrap();
        match PgStore::open(&url).await {
            Err(StoreError::TooNew { found, known }) => {
                assert_eq!((found, known), (SCHEMA_VERSION + 1, SCHEMA_VERSION))
            }
            Err(e) => panic!("expected TooNew, got {e}"),
            Ok(_) => panic!("opened a database newer than this binary"),
        }
    }

    #[tokio::test]
    async fn the_audit_table_refuses_edits() {
        let Some(s) = fresh().await else { return crate::pg_test::skipped() };
        s.commit(Batch::new().audit(crate::conformance::draft("t", "a"))).await.unwrap();
        let upd = sqlx::query("UPDATE audit SET actor = 'mallory'").execute(&s.pool).await;
        assert!(upd.unwrap_err().to_string().contains("append-only"));
        let del = sqlx::query("DELETE FROM audit").execute(&s.pool).await;
        assert!(del.unwrap_err().to_string().contains("append-only"));
        let trunc = sqlx::query("TRUNCATE audit").execute(&s.pool).await;
        assert!(trunc.unwrap_err().to_string().contains("append-only"));
    }

    #[tokio::test]
    async fn a_write_that_fails_releases_the_write_lock() {
        let Some(url) = crate::pg_test::fresh_database().await else { return crate::pg_test::skipped() };
        let a = PgStore::open_with(&url, 2).await.unwrap();
        let b = PgStore::open_with(&url, 2).await.unwrap();
        a.commit(Batch::new().op(Op::insert("thing", "k", "t", None, &1))).await.unwrap();
        for _ in 0..3 {
            let dup = a.commit(Batch::new().op(Op::insert("thing", "k", "t", None, &2))).await;
            assert!(matches!(dup, Err(StoreError::Conflict { .. })));
        }
        // Another node's write would wait forever behind a lock left held.
        let w = b.commit(Batch::new().audit(crate::conformance::draft("t", "x")));
        let recs = tokio::time::timeout(Duration::from_secs(10), w).await.expect("the lock was released").unwrap();
        assert_eq!(recs.len(), 1);
        let idle: String =
            sqlx::query_scalar("SHOW idle_in_transaction_session_timeout").fetch_one(&a.pool).await.unwrap();
        assert_eq!(idle, "1min", "a stalled node cannot keep the write lock");
    }
}
