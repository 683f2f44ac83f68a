//! Moving an embedded installation's database (SQLite) into PostgreSQL, for
//! `suveren store migrate`.
//!
//! Every table of the schema is copied except the derived ones
//! (`tenant_usage`, which the `drives` triggers rebuild on the target, and
//! the transient `leases`). Rows go in key order in batches; each batch is
//! one PostgreSQL transaction that also moves the table's cursor in
//! `migration_progress (tbl, last_key, rows, done)` on the target, so an
//! interrupted run resumes after the last batch that committed. Ids are kept
//! (`nodes.id`, `versions.id`, `changes.seq`, and the trash's insertion order
//! SQLite's rowid gives, which PostgreSQL keeps in `trash.rid`), and the
//! sequences are set past them afterwards. Audit rows are copied verbatim:
//! the append-only triggers refuse UPDATE and DELETE, not INSERT.
//!
//! The target must be an empty database (or one holding only an empty
//! Suveren schema) or the partial target of an earlier run from the same
//! source (recognised by the first hash of every audit chain, recorded in
//! `migration_progress` under `:source`); anything else is refused. Once a
//! run has verified the copy it records `:verified`, and later runs write
//! nothing and only verify again.
//!
//! [`Migration::verify`] compares, per table, the row count and a SHA-256
//! over a canonical rendering of every row in key order (booleans as 0/1,
//! so both sides render alike), and the derived `tenant_usage` too.
//!
//! The source is opened read-only; the embedded server must be stopped
//! while this runs (a row it changes meanwhile makes the verification fail).

use std::fmt::Write as _;
use std::path::Path;
use std::str::FromStr;

use sha2::{Digest, Sha256};
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::{AssertSqlSafe, Connection, PgConnection, PgPool, Postgres, QueryBuilder, Row};

use crate::postgres::PgStore;
use crate::sqlite::SqliteStore;
use crate::StoreError;

/// Session advisory lock a migration holds on the target for its whole run,
/// so two runs into one database cannot interleave.
const RUN_LOCK: i64 = 0x5375_7665_7265_6e10;
/// The progress table, created on the target by the first run.
const PROGRESS_DDL: &str = "CREATE TABLE IF NOT EXISTS migration_progress (
    tbl      TEXT COLLATE \"C\" PRIMARY KEY,
    last_key TEXT NOT NULL,
    rows     BIGINT NOT NULL DEFAULT 0,
    done     BOOLEAN NOT NULL DEFAULT false,
    updated  TIMESTAMPTZ NOT NULL DEFAULT now())";
const SOURCE_ROW: &str = ":source";
const VERIFIED_ROW: &str = ":verified";
/// Rows read per query while verifying.
const VERIFY_BATCH: usize = 2000;

#[derive(Debug, thiserror::Error)]
pub enum MigrateError {
    /// The source or target is not one this migration may use; the message
    /// says why and what to do.
    #[error("{0}")]
    Refused(String),
    /// A stored value does not have the type its column declares.
    #[error("table {table}, column {column}: {detail}")]
    Data { table: &'static str, column: &'static str, detail: String },
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<sqlx::Error> for MigrateError {
    fn from(e: sqlx::Error) -> Self {
        MigrateError::Store(StoreError::Db(e))
    }
}

pub type Result<T, E = MigrateError> = std::result::Result<T, E>;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Ty {
    Int,
    /// INTEGER 0/1 on SQLite, BOOLEAN on PostgreSQL.
    Bool,
    Text,
}

struct Col {
    name: &'static str,
    ty: Ty,
    /// The SQLite expression, where it is not the column itself.
    sqlite: Option<&'static str>,
}

const fn c(name: &'static str, ty: Ty) -> Col {
    Col { name, ty, sqlite: None }
}

struct Table {
    name: &'static str,
    cols: &'static [Col],
    /// Indexes into `cols`: the key the rows are walked by (the primary
    /// key; the insertion order for the trash).
    key: &'static [usize],
    /// Inserts need `OVERRIDING SYSTEM VALUE` (an identity ALWAYS column).
    overriding: bool,
}

use Ty::{Bool, Int, Text};

/// The tables copied, in an order that satisfies the foreign keys.
const COPIED: &[Table] = &[
    Table {
        name: "objects",
        cols: &[c("kind", Text), c("key", Text), c("tenant", Text), c("owner", Text), c("body", Text)],
        key: &[0, 1],
        overriding: false,
    },
    Table {
        name: "audit",
        cols: &[
            c("tenant", Text),
            c("seq", Int),
            c("time", Text),
            c("actor", Text),
            c("action", Text),
            c("decision", Text),
            c("record", Text),
            c("hash", Text),
        ],
        key: &[0, 1],
        overriding: false,
    },
    Table {
        name: "audit_checkpoints",
        cols: &[c("tenant", Text), c("seq", Int), c("body", Text)],
        key: &[0, 1],
        overriding: false,
    },
    Table {
        name: "drives",
        cols: &[c("id", Text), c("tenant", Text), c("slug", Text), c("body", Text), c("used", Int)],
        key: &[0],
        overriding: false,
    },
    Table {
        name: "nodes",
        cols: &[
            c("id", Int),
            c("drive", Text),
            c("path", Text),
            c("parent", Text),
            c("name", Text),
            c("dir", Bool),
            c("level", Int),
            c("size", Int),
            c("blob", Text),
            c("etag", Text),
            c("mime", Text),
            c("created", Int),
            c("modified", Int),
            c("author", Text),
            c("props", Text),
            c("trash", Text),
        ],
        key: &[0],
        overriding: false,
    },
    Table {
        name: "versions",
        cols: &[
            c("id", Int),
            c("node", Int),
            c("blob", Text),
            c("size", Int),
            c("etag", Text),
            c("modified", Int),
            c("author", Text),
            c("replaced", Int),
        ],
        key: &[0],
        overriding: false,
    },
    Table {
        name: "trash",
        cols: &[
            Col { name: "rid", ty: Int, sqlite: Some("rowid") },
            c("id", Text),
            c("drive", Text),
            c("node", Int),
            c("path", Text),
            c("dir", Bool),
            c("size", Int),
            c("deleted", Int),
            c("by", Text),
        ],
        key: &[0],
        overriding: true,
    },
    Table {
        name: "changes",
        cols: &[
            c("seq", Int),
            c("tenant", Text),
            c("drive", Text),
            c("node", Int),
            c("kind", Text),
            c("path", Text),
            c("from_path", Text),
            c("dir", Bool),
            c("time", Int),
        ],
        key: &[0],
        overriding: false,
    },
    Table { name: "blob_gc", cols: &[c("blob", Text), c("since", Int)], key: &[0], overriding: false },
    Table {
        name: "locks",
        cols: &[
            c("token", Text),
            c("drive", Text),
            c("path", Text),
            c("principal", Text),
            c("owner", Text),
            c("timeout_at", Int),
            c("timeout_s", Int),
            c("shared", Bool),
            c("deep", Bool),
        ],
        key: &[0],
        overriding: false,
    },
    Table {
        name: "shares",
        cols: &[
            c("id", Text),
            c("tenant", Text),
            c("drive", Text),
            c("node", Int),
            c("target_kind", Text),
            c("target", Text),
            c("role", Text),
            c("created_by", Text),
            c("created", Int),
            c("expires", Int),
            c("password", Text),
            c("token", Text),
        ],
        key: &[0],
        overriding: false,
    },
    Table { name: "retention_cursor", cols: &[c("name", Text), c("position", Text)], key: &[0], overriding: false },
];

/// Derived on the target by triggers; compared, not copied. A tenant whose
/// drives are all gone keeps a row of 0 on SQLite and may have none on
/// PostgreSQL, so rows of 0 are left out of the comparison.
const TENANT_USAGE: Table =
    Table { name: "tenant_usage", cols: &[c("tenant", Text), c("used", Int)], key: &[0], overriding: false };

/// Transient, never copied: a lease names a node of the old installation.
const NOT_COPIED: &[&str] = &["leases", "tenant_usage"];

/// Sequences set past the copied ids: (table, column).
const SEQUENCES: &[(&str, &str)] = &[("nodes", "id"), ("versions", "id"), ("changes", "seq"), ("trash", "rid")];

#[derive(Debug, Clone, PartialEq, Eq)]
enum Val {
    Null,
    Int(i64),
    Text(String),
}

impl Val {
    fn json(&self) -> serde_json::Value {
        match self {
            Val::Null => serde_json::Value::Null,
            Val::Int(i) => (*i).into(),
            Val::Text(s) => s.clone().into(),
        }
    }

    fn from_json(v: &serde_json::Value) -> Option<Val> {
        match v {
            serde_json::Value::Null => Some(Val::Null),
            serde_json::Value::Number(n) => n.as_i64().map(Val::Int),
            serde_json::Value::String(s) => Some(Val::Text(s.clone())),
            _ => None,
        }
    }
}

type Rows = Vec<Vec<Val>>;

/// The canonical rendering of a row, fed into the table's digest: `N` for
/// NULL, `I<decimal>;` for integers and booleans (0/1), `T<bytes>:<text>`
/// for text, and a newline after each row.
fn digest_row(h: &mut Sha256, row: &[Val]) {
    for v in row {
        match v {
            Val::Null => h.update(b"N"),
            Val::Int(i) => h.update(format!("I{i};").as_bytes()),
            Val::Text(s) => {
                h.update(format!("T{}:", s.len()).as_bytes());
                h.update(s.as_bytes());
            }
        }
    }
    h.update(b"\n");
}

fn key_of(t: &Table, row: &[Val]) -> Vec<Val> {
    t.key.iter().map(|&i| row[i].clone()).collect()
}

fn key_json(key: &[Val]) -> String {
    serde_json::Value::Array(key.iter().map(Val::json).collect()).to_string()
}

fn parse_key(t: &Table, s: &str) -> Result<Option<Vec<Val>>> {
    let bad = || MigrateError::Refused(format!("migration_progress holds a damaged cursor for {}: {s}", t.name));
    let v: serde_json::Value = serde_json::from_str(s).map_err(|_| bad())?;
    let key: Vec<Val> =
        v.as_array().ok_or_else(bad)?.iter().map(Val::from_json).collect::<Option<_>>().ok_or_else(bad)?;
    if key.is_empty() {
        // A table that was empty when it was marked done: from the start.
        return Ok(None);
    }
    if key.len() != t.key.len() || key.contains(&Val::Null) {
        return Err(bad());
    }
    Ok(Some(key))
}

#[derive(Clone, Copy)]
enum Side {
    Sqlite,
    Pg,
}

/// `SELECT … FROM t [WHERE (key) > (params)] ORDER BY key LIMIT n` for one
/// side. Names come from the constant table list, never from input.
fn select_sql(t: &Table, side: Side, after: bool, limit: usize) -> String {
    let expr = |col: &Col| match (side, col.sqlite) {
        (Side::Sqlite, Some(e)) => e.to_string(),
        _ => format!("\"{}\"", col.name),
    };
    let cols: Vec<String> = t.cols.iter().map(expr).collect();
    let keys: Vec<String> = t.key.iter().map(|&i| expr(&t.cols[i])).collect();
    let mut sql = format!("SELECT {} FROM {}", cols.join(", "), t.name);
    if after {
        let params: Vec<String> = (1..=keys.len())
            .map(|n| match side {
                Side::Sqlite => "?".to_string(),
                Side::Pg => format!("${n}"),
            })
            .collect();
        let _ = write!(sql, " WHERE ({}) > ({})", keys.join(", "), params.join(", "));
    }
    let _ = write!(sql, " ORDER BY {} LIMIT {limit}", keys.join(", "));
    sql
}

fn decode_err(t: &Table, col: &Col, e: sqlx::Error) -> MigrateError {
    MigrateError::Data { table: t.name, column: col.name, detail: e.to_string() }
}

/// Which rows of `t` take part (the object kinds left out are skipped on
/// both sides; zero usage rows are nobody's business).
fn keep(t: &Table, skip_kinds: &[String], row: &[Val]) -> bool {
    match t.name {
        "objects" => !matches!(&row[0], Val::Text(k) if skip_kinds.contains(k)),
        "tenant_usage" => row[1] != Val::Int(0),
        _ => true,
    }
}

/// What a run of [`Migration::copy`] is told.
#[derive(Debug, Clone)]
pub struct CopyOptions {
    /// Rows per batch (one PostgreSQL transaction each).
    pub batch_rows: usize,
    /// Stop after this many batches (tests: an interrupted run).
    pub stop_after_batches: Option<u64>,
}

impl Default for CopyOptions {
    fn default() -> Self {
        CopyOptions { batch_rows: 1000, stop_after_batches: None }
    }
}

/// Where one table stands before a run.
#[derive(Debug, Clone)]
pub struct TablePlan {
    pub table: &'static str,
    /// Rows on the source that are migrated.
    pub source_rows: u64,
    /// Rows an earlier run copied already.
    pub copied_rows: u64,
}

/// What one run of [`Migration::copy`] did.
#[derive(Debug, Clone, Default)]
pub struct CopyOutcome {
    /// Rows copied by this run, per table (tables without any left out).
    pub copied: Vec<(&'static str, u64)>,
    pub batches: u64,
    /// Stopped early by [`CopyOptions::stop_after_batches`].
    pub stopped: bool,
    /// The target was verified by an earlier run: nothing was written.
    pub already_verified: bool,
}

impl CopyOutcome {
    pub fn rows(&self) -> u64 {
        self.copied.iter().map(|(_, n)| n).sum()
    }
}

/// One table compared on both sides.
#[derive(Debug, Clone, serde::Serialize)]
pub struct TableCheck {
    pub table: &'static str,
    /// Rebuilt on the target by triggers rather than copied.
    pub derived: bool,
    pub source_rows: u64,
    pub target_rows: u64,
    pub source_sha256: String,
    pub target_sha256: String,
}

impl TableCheck {
    pub fn matches(&self) -> bool {
        self.source_rows == self.target_rows && self.source_sha256 == self.target_sha256
    }
}

/// A migration from one SQLite database into one PostgreSQL database.
pub struct Migration {
    src: SqliteStore,
    dst: PgStore,
    /// Holds [`RUN_LOCK`] for as long as the migration lives.
    _run: PgConnection,
    skip_kinds: Vec<String>,
    /// The target held an earlier run's partial copy.
    pub resumed: bool,
}

impl Migration {
    /// Opens the source read-only and the target, refusing a target that is
    /// neither empty nor an earlier run's partial copy of this source.
    /// Documents of `skip_kinds` (uploads in progress) are not migrated.
    pub async fn open(sqlite: &Path, pg_url: &str, skip_kinds: Vec<String>) -> Result<Migration> {
        let src = SqliteStore::open_read_only(sqlite).await?;
        let version = src.version().await?;
        let known = crate::sqlite::SCHEMA_VERSION;
        if version < known {
            return Err(MigrateError::Refused(format!(
                "{} has schema version {version}; this binary migrates version {known}. Start this version's \
                 server on the data folder once (it upgrades the schema), stop it, and run the migration again",
                sqlite.display()
            )));
        }
        let fingerprint = source_fingerprint(&src).await?;

        // Look at the target before anything is created in it.
        let options = PgConnectOptions::from_str(pg_url).map_err(StoreError::Db)?;
        let probe = PgPoolOptions::new().max_connections(1).connect_with(options.clone()).await?;
        let resumed = check_target(&probe, &fingerprint).await;
        probe.close().await;
        let resumed = resumed?;

        let dst = PgStore::open_with(pg_url, 4).await?;
        let mut run = PgConnection::connect_with(&options).await?;
        let (locked,): (bool,) =
            sqlx::query_as("SELECT pg_try_advisory_lock($1)").bind(RUN_LOCK).fetch_one(&mut run).await?;
        if !locked {
            return Err(MigrateError::Refused(
                "another migration is writing into this database right now; wait for it to end".into(),
            ));
        }
        let live: Vec<(String, String)> =
            sqlx::query_as("SELECT name, holder FROM leases WHERE until > extract(epoch FROM now())::bigint LIMIT 3")
                .fetch_all(&dst.pool)
                .await?;
        if let Some((name, holder)) = live.first() {
            return Err(MigrateError::Refused(format!(
                "a Suveren node is running on this database (node {holder} holds the lease {name}); \
                 stop every node before migrating"
            )));
        }
        let mut tx = dst.pool.begin().await?;
        sqlx::query(PROGRESS_DDL).execute(&mut *tx).await?;
        sqlx::query(
            "INSERT INTO migration_progress (tbl, last_key, done) VALUES ($1, $2, true) ON CONFLICT DO NOTHING",
        )
        .bind(SOURCE_ROW)
        .bind(&fingerprint)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(Migration { src, dst, _run: run, skip_kinds, resumed })
    }

    /// Rows per table on the source and how many an earlier run copied.
    pub async fn plan(&self) -> Result<Vec<TablePlan>> {
        let mut out = Vec::new();
        for t in COPIED {
            let (mut n,): (i64,) = sqlx::query_as(AssertSqlSafe(format!("SELECT COUNT(*) FROM {}", t.name)))
                .fetch_one(&self.src.pool)
                .await?;
            if t.name == "objects" {
                for k in &self.skip_kinds {
                    let (s,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM objects WHERE kind = ?")
                        .bind(k)
                        .fetch_one(&self.src.pool)
                        .await?;
                    n -= s;
                }
            }
            let copied: Option<(i64,)> = sqlx::query_as("SELECT rows FROM migration_progress WHERE tbl = $1")
                .bind(t.name)
                .fetch_optional(&self.dst.pool)
                .await?;
            out.push(TablePlan {
                table: t.name,
                source_rows: n.max(0) as u64,
                copied_rows: copied.map_or(0, |c| c.0.max(0) as u64),
            });
        }
        Ok(out)
    }

    /// Documents on the source that are not migrated (the kinds given to
    /// [`Migration::open`]).
    pub async fn skipped_documents(&self) -> Result<u64> {
        let mut n = 0;
        for k in &self.skip_kinds {
            let (s,): (i64,) =
                sqlx::query_as("SELECT COUNT(*) FROM objects WHERE kind = ?").bind(k).fetch_one(&self.src.pool).await?;
            n += s.max(0) as u64;
        }
        Ok(n)
    }

    /// Whether an earlier run verified this target.
    pub async fn verified_before(&self) -> Result<bool> {
        let row: Option<(String,)> = sqlx::query_as("SELECT last_key FROM migration_progress WHERE tbl = $1")
            .bind(VERIFIED_ROW)
            .fetch_optional(&self.dst.pool)
            .await?;
        Ok(row.is_some())
    }

    /// Records that the copy verified; later runs then write nothing.
    pub async fn mark_verified(&self) -> Result<()> {
        sqlx::query(
            "INSERT INTO migration_progress (tbl, last_key, done) VALUES ($1, now()::text, true)
             ON CONFLICT (tbl) DO UPDATE SET last_key = excluded.last_key, updated = now()",
        )
        .bind(VERIFIED_ROW)
        .execute(&self.dst.pool)
        .await?;
        Ok(())
    }

    /// Copies what is left, table by table, batch by batch; `on_rows` hears
    /// each committed batch. Sets the sequences when every table is done.
    pub async fn copy(
        &self,
        opts: &CopyOptions,
        on_rows: &mut (dyn FnMut(&'static str, u64) + Send),
    ) -> Result<CopyOutcome> {
        let mut out = CopyOutcome::default();
        if self.verified_before().await? {
            out.already_verified = true;
            return Ok(out);
        }
        let limit = opts.batch_rows.clamp(1, 4000);
        for t in COPIED {
            let cursor: Option<(String,)> = sqlx::query_as("SELECT last_key FROM migration_progress WHERE tbl = $1")
                .bind(t.name)
                .fetch_optional(&self.dst.pool)
                .await?;
            let mut after = match cursor {
                Some((k,)) => parse_key(t, &k)?,
                None => None,
            };
            let mut copied = 0u64;
            loop {
                if opts.stop_after_batches.is_some_and(|n| out.batches >= n) {
                    if copied > 0 {
                        out.copied.push((t.name, copied));
                    }
                    out.stopped = true;
                    return Ok(out);
                }
                let rows = read_sqlite(&self.src, t, after.as_deref(), limit).await?;
                let Some(last) = rows.last() else {
                    // Nothing (more) to copy: the table is done.
                    sqlx::query(
                        "INSERT INTO migration_progress (tbl, last_key, done) VALUES ($1, '[]', true)
                         ON CONFLICT (tbl) DO UPDATE SET done = true, updated = now()",
                    )
                    .bind(t.name)
                    .execute(&self.dst.pool)
                    .await?;
                    break;
                };
                let last_key = key_of(t, last);
                let kept: Vec<&Vec<Val>> = rows.iter().filter(|r| keep(t, &self.skip_kinds, r)).collect();
                let mut tx = self.dst.begin_write().await?;
                if !kept.is_empty() {
                    insert_pg(&mut tx, t, &kept).await?;
                }
                sqlx::query(
                    "INSERT INTO migration_progress (tbl, last_key, rows, done) VALUES ($1, $2, $3, $4)
                     ON CONFLICT (tbl) DO UPDATE SET last_key = excluded.last_key,
                         rows = migration_progress.rows + excluded.rows, done = excluded.done, updated = now()",
                )
                .bind(t.name)
                .bind(key_json(&last_key))
                .bind(kept.len() as i64)
                .bind(rows.len() < limit)
                .execute(&mut *tx)
                .await?;
                tx.commit().await?;
                out.batches += 1;
                copied += kept.len() as u64;
                on_rows(t.name, kept.len() as u64);
                after = Some(last_key);
                if rows.len() < limit {
                    break;
                }
            }
            if copied > 0 {
                out.copied.push((t.name, copied));
            }
        }
        self.set_sequences().await?;
        Ok(out)
    }

    /// Moves the target's sequences past every copied id (and past the
    /// highest change number SQLite ever handed out, which a pruned feed
    /// may no longer show), so new rows never reuse one.
    async fn set_sequences(&self) -> Result<()> {
        let (counter,): (bool,) =
            sqlx::query_as("SELECT EXISTS (SELECT 1 FROM sqlite_master WHERE name = 'sqlite_sequence')")
                .fetch_one(&self.src.pool)
                .await?;
        let issued: Option<(i64,)> = if counter {
            sqlx::query_as("SELECT seq FROM sqlite_sequence WHERE name = 'changes'")
                .fetch_optional(&self.src.pool)
                .await?
        } else {
            None
        };
        for (table, col) in SEQUENCES {
            let floor = if *table == "changes" { issued.map_or(0, |v| v.0) } else { 0 };
            sqlx::query(AssertSqlSafe(format!(
                "SELECT setval(pg_get_serial_sequence('{table}', '{col}'),
                     GREATEST(COALESCE((SELECT MAX(\"{col}\") FROM {table}), 0), $1) + 1, false)"
            )))
            .bind(floor)
            .execute(&self.dst.pool)
            .await?;
        }
        Ok(())
    }

    /// Compares every migrated table (and the derived `tenant_usage`) on
    /// both sides: row counts and SHA-256 over the rows in key order.
    /// `on_rows` hears the rows read from the source.
    pub async fn verify(&self, on_rows: &mut (dyn FnMut(u64) + Send)) -> Result<Vec<TableCheck>> {
        let mut out = Vec::new();
        for (t, derived) in COPIED.iter().map(|t| (t, false)).chain([(&TENANT_USAGE, true)]) {
            let mut quiet = |_| {};
            let (s, d) = tokio::join!(self.digest(Side::Sqlite, t, on_rows), self.digest(Side::Pg, t, &mut quiet));
            let ((source_rows, source_sha256), (target_rows, target_sha256)) = (s?, d?);
            out.push(TableCheck { table: t.name, derived, source_rows, target_rows, source_sha256, target_sha256 });
        }
        Ok(out)
    }

    async fn digest(&self, side: Side, t: &Table, on_rows: &mut (dyn FnMut(u64) + Send)) -> Result<(u64, String)> {
        let mut h = Sha256::new();
        let mut n = 0u64;
        let mut after: Option<Vec<Val>> = None;
        loop {
            let rows = match side {
                Side::Sqlite => read_sqlite(&self.src, t, after.as_deref(), VERIFY_BATCH).await?,
                Side::Pg => read_pg(&self.dst.pool, t, after.as_deref(), VERIFY_BATCH).await?,
            };
            let Some(last) = rows.last() else { break };
            after = Some(key_of(t, last));
            let mut seen = 0;
            for r in rows.iter().filter(|r| keep(t, &self.skip_kinds, r)) {
                digest_row(&mut h, r);
                seen += 1;
            }
            n += seen;
            on_rows(seen);
            if rows.len() < VERIFY_BATCH {
                break;
            }
        }
        Ok((n, hex::encode(h.finalize())))
    }

    /// Every blob the source's files (live or trashed) and versions name,
    /// ordered by key.
    pub async fn referenced_blobs(&self) -> Result<Vec<String>> {
        Ok(self.src.snapshot_facts().await?.blobs.into_iter().map(|b| b.key).collect())
    }
}

/// Identifies the source: the first hash of every audit chain (they never
/// change), so a partial target is resumed only from the installation it
/// was started from.
async fn source_fingerprint(src: &SqliteStore) -> Result<String> {
    let rows: Vec<(String, String)> = sqlx::query_as(
        "SELECT a.tenant, a.hash FROM audit a
         JOIN (SELECT tenant, MIN(seq) AS seq FROM audit GROUP BY tenant) f ON f.tenant = a.tenant AND f.seq = a.seq
         ORDER BY a.tenant",
    )
    .fetch_all(&src.pool)
    .await?;
    let mut h = Sha256::new();
    for (tenant, hash) in &rows {
        h.update(format!("{tenant}\t{hash}\n").as_bytes());
    }
    Ok(hex::encode(h.finalize()))
}

/// `Ok(true)`: an earlier run's partial target from this source;
/// `Ok(false)`: empty. Anything else is refused, saying why.
async fn check_target(pool: &PgPool, fingerprint: &str) -> Result<bool> {
    let tables: Vec<(String,)> =
        sqlx::query_as("SELECT tablename::text FROM pg_tables WHERE schemaname = current_schema() ORDER BY 1")
            .fetch_all(pool)
            .await?;
    let tables: Vec<String> = tables.into_iter().map(|t| t.0).collect();
    if tables.iter().any(|t| t == "migration_progress") {
        let source: Option<(String,)> = sqlx::query_as("SELECT last_key FROM migration_progress WHERE tbl = $1")
            .bind(SOURCE_ROW)
            .fetch_optional(pool)
            .await?;
        return match source {
            Some((f,)) if f == fingerprint => Ok(true),
            _ => Err(MigrateError::Refused(
                "the target database holds a migration from another installation; migrate into a new, empty database"
                    .into(),
            )),
        };
    }
    let ours = |t: &str| t == "schema_migrations" || NOT_COPIED.contains(&t) || COPIED.iter().any(|c| c.name == t);
    let foreign: Vec<&str> = tables.iter().map(String::as_str).filter(|t| !ours(t)).collect();
    if !foreign.is_empty() {
        return Err(MigrateError::Refused(format!(
            "the target database is not empty (it holds the tables {}); migrate into a new, empty database",
            foreign.join(", ")
        )));
    }
    let mut filled = Vec::new();
    for t in tables.iter().filter(|t| COPIED.iter().any(|c| c.name == t.as_str())) {
        let (any,): (bool,) =
            sqlx::query_as(AssertSqlSafe(format!("SELECT EXISTS (SELECT 1 FROM {t})"))).fetch_one(pool).await?;
        if any {
            filled.push(t.as_str());
        }
    }
    if !filled.is_empty() {
        return Err(MigrateError::Refused(format!(
            "the target database already holds Suveren data (in {}) that no migration from this data folder \
             wrote; migrate into a new, empty database",
            filled.join(", ")
        )));
    }
    Ok(false)
}

async fn read_sqlite(src: &SqliteStore, t: &Table, after: Option<&[Val]>, limit: usize) -> Result<Rows> {
    let sql = select_sql(t, Side::Sqlite, after.is_some(), limit);
    let mut q = sqlx::query(AssertSqlSafe(sql));
    for v in after.unwrap_or_default() {
        q = match v {
            Val::Int(i) => q.bind(*i),
            Val::Text(s) => q.bind(s.clone()),
            Val::Null => q.bind(None::<i64>),
        };
    }
    let rows = q.fetch_all(&src.pool).await?;
    let mut out = Vec::with_capacity(rows.len());
    for r in &rows {
        let mut row = Vec::with_capacity(t.cols.len());
        for (i, col) in t.cols.iter().enumerate() {
            let v = match col.ty {
                Int | Bool => r.try_get::<Option<i64>, _>(i).map_err(|e| decode_err(t, col, e))?.map(Val::Int),
                Text => r.try_get::<Option<String>, _>(i).map_err(|e| decode_err(t, col, e))?.map(Val::Text),
            };
            row.push(v.unwrap_or(Val::Null));
        }
        out.push(row);
    }
    Ok(out)
}

async fn read_pg(pool: &PgPool, t: &Table, after: Option<&[Val]>, limit: usize) -> Result<Rows> {
    let sql = select_sql(t, Side::Pg, after.is_some(), limit);
    let mut q = sqlx::query(AssertSqlSafe(sql));
    for v in after.unwrap_or_default() {
        q = match v {
            Val::Int(i) => q.bind(*i),
            Val::Text(s) => q.bind(s.clone()),
            Val::Null => q.bind(None::<i64>),
        };
    }
    let rows = q.fetch_all(pool).await?;
    let mut out = Vec::with_capacity(rows.len());
    for r in &rows {
        let mut row = Vec::with_capacity(t.cols.len());
        for (i, col) in t.cols.iter().enumerate() {
            let v = match col.ty {
                Int => r.try_get::<Option<i64>, _>(i).map_err(|e| decode_err(t, col, e))?.map(Val::Int),
                Bool => {
                    r.try_get::<Option<bool>, _>(i).map_err(|e| decode_err(t, col, e))?.map(|b| Val::Int(i64::from(b)))
                }
                Text => r.try_get::<Option<String>, _>(i).map_err(|e| decode_err(t, col, e))?.map(Val::Text),
            };
            row.push(v.unwrap_or(Val::Null));
        }
        out.push(row);
    }
    Ok(out)
}

async fn insert_pg(conn: &mut PgConnection, t: &Table, rows: &[&Vec<Val>]) -> Result<()> {
    let cols: Vec<String> = t.cols.iter().map(|c| format!("\"{}\"", c.name)).collect();
    let mut qb: QueryBuilder<Postgres> = QueryBuilder::new(format!(
        "INSERT INTO {} ({}) {}",
        t.name,
        cols.join(", "),
        if t.overriding { "OVERRIDING SYSTEM VALUE " } else { "" }
    ));
    let mut bad: Option<MigrateError> = None;
    qb.push_values(rows, |mut b, row| {
        for (col, v) in t.cols.iter().zip(row.iter()) {
            match (col.ty, v) {
                (Int, Val::Int(i)) => b.push_bind(*i),
                (Int, Val::Null) => b.push_bind(None::<i64>),
                (Bool, Val::Int(i)) => b.push_bind(*i != 0),
                (Bool, Val::Null) => b.push_bind(None::<bool>),
                (Text, Val::Text(s)) => b.push_bind(s.clone()),
                (Text, Val::Null) => b.push_bind(None::<String>),
                (_, other) => {
                    bad.get_or_insert(MigrateError::Data {
                        table: t.name,
                        column: col.name,
                        detail: format!("unexpected value {other:?}"),
                    });
                    b.push_bind(None::<String>)
                }
            };
        }
    });
    if let Some(e) = bad {
        return Err(e);
    }
    qb.build().persistent(false).execute(&mut *conn).await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_render_alike_whatever_the_backend_types() {
        let mut a = Sha256::new();
        digest_row(&mut a, &[Val::Int(1), Val::Text("a".into()), Val::Null]);
        let mut b = Sha256::new();
        digest_row(&mut b, &[Val::Int(1), Val::Text("a".into()), Val::Text(String::new())]);
        assert_ne!(a.finalize(), b.finalize(), "NULL and the empty string differ");
        // No two rows render the same by shifting text between columns.
        let (mut x, mut y) = (Sha256::new(), Sha256::new());
        digest_row(&mut x, &[Val::Text("ab".into()), Val::Text("c".into())]);
        digest_row(&mut y, &[Val::Text("a".into()), Val::Text("bc".into())]);
        assert_ne!(x.finalize(), y.finalize());
    }

    #[test]
    fn cursors_round_trip_and_select_by_key() {
        let t = &COPIED[0];
        let key = vec![Val::Text("principal".into()), Val::Text("nordvik:ø".into())];
        assert_eq!(parse_key(t, &key_json(&key)).unwrap(), Some(key));
        assert_eq!(parse_key(t, "[]").unwrap(), None);
        assert!(parse_key(t, "[1]").is_err());
        assert_eq!(
            select_sql(t, Side::Pg, true, 10),
            "SELECT \"kind\", \"key\", \"tenant\", \"owner\", \"body\" FROM objects \
             WHERE (\"kind\", \"key\") > ($1, $2) ORDER BY \"kind\", \"key\" LIMIT 10"
        );
        let trash = COPIED.iter().find(|t| t.name == "trash").unwrap();
        assert!(select_sql(trash, Side::Sqlite, true, 5).contains("WHERE (rowid) > (?) ORDER BY rowid LIMIT 5"));
    }

    #[test]
    fn every_table_of_both_schemas_is_copied_or_named_as_derived() {
        for sql in crate::sqlite::MIGRATIONS.iter().map(|m| m.1).chain(crate::postgres::MIGRATIONS.iter().map(|m| m.1))
        {
            for line in sql.lines() {
                if let Some(rest) = line.trim().strip_prefix("CREATE TABLE ") {
                    let name = rest.split_whitespace().next().unwrap().trim_end_matches('(');
                    assert!(
                        COPIED.iter().any(|t| t.name == name) || NOT_COPIED.contains(&name),
                        "table {name} is neither migrated nor named as derived"
                    );
                }
            }
        }
    }
}
