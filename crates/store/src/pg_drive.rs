//! The drive tables on PostgreSQL: the SQLite backend's statements and
//! checks, one for one. Each write holds the global write lock (see
//! [`crate::postgres`]) from its first statement to its commit, so its
//! preconditions and quota checks see every write before it, as on SQLite.
//! Listings and subtrees are one statement each: a folder costs one round
//! trip however many children it has.

use async_trait::async_trait;
use sqlx::postgres::PgRow;
use sqlx::{PgConnection, Row};
use suveren_audit::Draft;

use crate::drive::*;
use crate::postgres::{append_audit, PgStore};
use crate::Result;

type Tx = PgConnection;

pub(crate) const NODE_COLS: &str =
    "id, drive, path, name, dir, level, size, blob, etag, mime, created, modified, author, props";

/// `path` and everything below it, with the path at `$n` and the bounds of
/// [`below`] at `$n+1` and `$n+2`. The columns compare bytewise (COLLATE
/// "C"), which the bounds rely on.
fn subtree(n: usize) -> String {
    format!("(path = ${n} OR (path >= ${} AND path < ${}))", n + 1, n + 2)
}

/// Bounds of the paths strictly below `path` (byte order: '0' follows '/').
fn below(path: &str) -> (String, String) {
    if path == "/" {
        ("/".into(), "0".into())
    } else {
        (format!("{path}/"), format!("{path}0"))
    }
}

pub(crate) fn row_node(r: &PgRow) -> Node {
    Node {
        id: r.get("id"),
        drive: r.get("drive"),
        path: r.get("path"),
        name: r.get("name"),
        dir: r.get("dir"),
        level: r.get::<i64, _>("level") as u8,
        size: r.get::<i64, _>("size").max(0) as u64,
        blob: r.get("blob"),
        etag: r.get("etag"),
        mime: r.get("mime"),
        created: r.get("created"),
        modified: r.get("modified"),
        author: r.get("author"),
        props: r.get("props"),
    }
}

pub(crate) fn row_share(r: &PgRow) -> ShareRow {
    ShareRow {
        id: r.get("id"),
        tenant: r.get("tenant"),
        drive: r.get("drive"),
        node: r.get("node"),
        path: r.try_get("path").unwrap_or_default(),
        target_kind: r.get("target_kind"),
        target: r.get("target"),
        role: r.get("role"),
        created_by: r.get("created_by"),
        created: r.get("created"),
        expires: r.get("expires"),
        password: r.get("password"),
        token: r.get("token"),
    }
}

fn row_lock(r: &PgRow) -> LockRow {
    LockRow {
        token: r.get("token"),
        drive: r.get("drive"),
        path: r.get("path"),
        principal: r.get("principal"),
        owner: r.get("owner"),
        timeout_at: r.get("timeout_at"),
        timeout_s: r.get::<Option<i64>, _>("timeout_s").map(|s| s as u64),
        shared: r.get("shared"),
        deep: r.get("deep"),
    }
}

pub(crate) const TRASH_COLS: &str = r#"id, drive, node, path, dir, size, deleted, "by""#;

pub(crate) fn row_trash(r: &PgRow) -> TrashEntry {
    TrashEntry {
        id: r.get("id"),
        drive: r.get("drive"),
        node: r.get("node"),
        path: r.get("path"),
        dir: r.get("dir"),
        size: r.get::<i64, _>("size").max(0) as u64,
        deleted: r.get("deleted"),
        by: r.get("by"),
    }
}

fn row_change(r: &PgRow) -> Change {
    Change {
        seq: r.get("seq"),
        drive: r.get("drive"),
        node: r.get("node"),
        kind: r.get("kind"),
        path: r.get("path"),
        from_path: r.get("from_path"),
        dir: r.get("dir"),
        time: r.get("time"),
    }
}

fn row_drive(r: &PgRow) -> DriveRow {
    DriveRow {
        id: r.get("id"),
        tenant: r.get("tenant"),
        slug: r.get("slug"),
        body: r.get("body"),
        used: r.get::<i64, _>("used").max(0) as u64,
    }
}

async fn live(tx: &mut Tx, drive: &str, path: &str) -> Result<Option<Node>> {
    let row = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {NODE_COLS} FROM nodes WHERE drive = $1 AND path = $2 AND trash IS NULL"
    )))
    .bind(drive)
    .bind(path)
    .fetch_optional(&mut *tx)
    .await?;
    Ok(row.as_ref().map(row_node))
}

/// The folder a new item goes into, or why it cannot.
async fn parent_folder(tx: &mut Tx, drive: &str, path: &str) -> Result<std::result::Result<Node, DriveConflict>> {
    let parent = parent_of(path);
    Ok(match live(tx, drive, parent).await? {
        None => Err(DriveConflict::NoParent(parent.to_string())),
        Some(n) if !n.dir => Err(DriveConflict::ParentNotFolder(parent.to_string())),
        Some(n) => Ok(n),
    })
}

async fn used(tx: &mut Tx, drive: &str) -> Result<u64> {
    let u: i64 = sqlx::query_scalar("SELECT used FROM drives WHERE id = $1").bind(drive).fetch_one(&mut *tx).await?;
    Ok(u.max(0) as u64)
}

pub(crate) async fn add_used(tx: &mut Tx, drive: &str, delta: i64) -> Result<()> {
    if delta != 0 {
        sqlx::query("UPDATE drives SET used = GREATEST(0, used + $1) WHERE id = $2")
            .bind(delta)
            .bind(drive)
            .execute(&mut *tx)
            .await?;
    }
    Ok(())
}

async fn tenant_used(tx: &mut Tx, tenant: &str) -> Result<u64> {
    let u: Option<i64> = sqlx::query_scalar("SELECT used FROM tenant_usage WHERE tenant = $1")
        .bind(tenant)
        .fetch_optional(&mut *tx)
        .await?;
    Ok(u.unwrap_or(0).max(0) as u64)
}

/// The tenant's quota, read inside the write's transaction (under the
/// write lock), so racing writes on any node cannot together pass it;
/// `freed` is what the write itself releases (versions it drops).
async fn tenant_quota_check(
    tx: &mut Tx,
    tenant: &str,
    quota: Option<&TenantQuota>,
    freed: u64,
    needed: u64,
) -> Result<std::result::Result<(), DriveConflict>> {
    let Some(q) = quota else { return Ok(Ok(())) };
    let used = tenant_used(tx, tenant).await?.saturating_sub(freed);
    Ok(if used.saturating_add(needed) > q.bytes {
        Err(DriveConflict::TenantQuota {
            tenant: q.name.clone(),
            quota: q.bytes,
            needed,
            available: q.bytes.saturating_sub(used),
        })
    } else {
        Ok(())
    })
}

fn quota_check(quota: Option<u64>, used: u64, needed: u64) -> std::result::Result<(), DriveConflict> {
    match quota {
        Some(q) if used.saturating_add(needed) > q => {
            Err(DriveConflict::Quota { needed, available: q.saturating_sub(used) })
        }
        _ => Ok(()),
    }
}

#[allow(clippy::too_many_arguments)]
pub(crate) async fn change(
    tx: &mut Tx,
    tenant: &str,
    drive: &str,
    node: Option<i64>,
    kind: &str,
    path: &str,
    from: Option<&str>,
    dir: bool,
    now: i64,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO changes (tenant, drive, node, kind, path, from_path, dir, time)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(tenant)
    .bind(drive)
    .bind(node)
    .bind(kind)
    .bind(path)
    .bind(from)
    .bind(dir)
    .bind(now)
    .execute(&mut *tx)
    .await?;
    Ok(())
}

pub(crate) async fn gc(tx: &mut Tx, blob: &str, now: i64) -> Result<()> {
    sqlx::query("INSERT INTO blob_gc (blob, since) VALUES ($1, $2) ON CONFLICT DO NOTHING")
        .bind(blob)
        .bind(now)
        .execute(&mut *tx)
        .await?;
    Ok(())
}

/// Marks the live subtree at `path` as trashed under a new entry.
pub(crate) async fn trash_in(
    tx: &mut Tx,
    tenant: &str,
    drive: &str,
    node: &Node,
    id: &str,
    now: i64,
    by: &str,
) -> Result<TrashEntry> {
    let (lo, hi) = below(&node.path);
    let size: i64 = sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
        "SELECT COALESCE(SUM(size), 0)::BIGINT FROM nodes WHERE drive = $1 AND trash IS NULL AND {}",
        subtree(2)
    )))
    .bind(drive)
    .bind(&node.path)
    .bind(&lo)
    .bind(&hi)
    .fetch_one(&mut *tx)
    .await?;
    sqlx::query(
        r#"INSERT INTO trash (id, drive, node, path, dir, size, deleted, "by") VALUES ($1, $2, $3, $4, $5, $6, $7, $8)"#,
    )
    .bind(id)
    .bind(drive)
    .bind(node.id)
    .bind(&node.path)
    .bind(node.dir)
    .bind(size)
    .bind(now)
    .bind(by)
    .execute(&mut *tx)
    .await?;
    sqlx::query(sqlx::AssertSqlSafe(format!(
        "UPDATE nodes SET trash = $1 WHERE drive = $2 AND trash IS NULL AND {}",
        subtree(3)
    )))
    .bind(id)
    .bind(drive)
    .bind(&node.path)
    .bind(&lo)
    .bind(&hi)
    .execute(&mut *tx)
    .await?;
    sqlx::query(sqlx::AssertSqlSafe(format!("DELETE FROM locks WHERE drive = $1 AND {}", subtree(2))))
        .bind(drive)
        .bind(&node.path)
        .bind(&lo)
        .bind(&hi)
        .execute(&mut *tx)
        .await?;
    change(tx, tenant, drive, Some(node.id), "delete", &node.path, None, node.dir, now).await?;
    Ok(TrashEntry {
        id: id.into(),
        drive: drive.into(),
        node: node.id,
        path: node.path.clone(),
        dir: node.dir,
        size: size.max(0) as u64,
        deleted: now,
        by: by.into(),
    })
}

/// Deletes a trash entry for good inside the caller's transaction; its
/// blobs go to the sweeper. `false` when there is no such entry.
pub(crate) async fn purge_in(tx: &mut Tx, drive: &str, id: &str, now: i64) -> Result<bool> {
    let exists: Option<String> = sqlx::query_scalar("SELECT id FROM trash WHERE id = $1 AND drive = $2")
        .bind(id)
        .bind(drive)
        .fetch_optional(&mut *tx)
        .await?;
    if exists.is_none() {
        return Ok(false);
    }
    let blobs: Vec<(String, i64)> = sqlx::query_as(
        "SELECT blob, size FROM nodes WHERE trash = $1 AND blob IS NOT NULL
         UNION ALL
         SELECT v.blob, v.size FROM versions v JOIN nodes n ON n.id = v.node WHERE n.trash = $1",
    )
    .bind(id)
    .fetch_all(&mut *tx)
    .await?;
    let mut bytes = 0i64;
    for (b, size) in &blobs {
        bytes += size;
        gc(tx, b, now).await?;
    }
    sqlx::query("DELETE FROM versions WHERE node IN (SELECT id FROM nodes WHERE trash = $1)")
        .bind(id)
        .execute(&mut *tx)
        .await?;
    sqlx::query("DELETE FROM shares WHERE node IN (SELECT id FROM nodes WHERE trash = $1)")
        .bind(id)
        .execute(&mut *tx)
        .await?;
    sqlx::query("DELETE FROM nodes WHERE trash = $1").bind(id).execute(&mut *tx).await?;
    sqlx::query("DELETE FROM trash WHERE id = $1").bind(id).execute(&mut *tx).await?;
    add_used(tx, drive, -bytes).await?;
    Ok(true)
}

/// Bytes a subtree holds, with its versions.
async fn subtree_bytes(tx: &mut Tx, drive: &str, path: &str, with_versions: bool) -> Result<u64> {
    let (lo, hi) = below(path);
    let live: i64 = sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
        "SELECT COALESCE(SUM(size), 0)::BIGINT FROM nodes WHERE drive = $1 AND trash IS NULL AND {}",
        subtree(2)
    )))
    .bind(drive)
    .bind(path)
    .bind(&lo)
    .bind(&hi)
    .fetch_one(&mut *tx)
    .await?;
    let versions = if with_versions {
        let v: i64 = sqlx::query_scalar(
            "SELECT COALESCE(SUM(v.size), 0)::BIGINT FROM versions v JOIN nodes n ON n.id = v.node
             WHERE n.drive = $1 AND n.trash IS NULL AND (n.path = $2 OR (n.path >= $3 AND n.path < $4))",
        )
        .bind(drive)
        .bind(path)
        .bind(&lo)
        .bind(&hi)
        .fetch_one(&mut *tx)
        .await?;
        v
    } else {
        0
    };
    Ok((live + versions).max(0) as u64)
}

/// Common checks of move and copy; on success the source, the destination's
/// folder and whether the destination was replaced (trashed).
async fn prepare_transfer(tx: &mut Tx, t: &Transfer) -> Result<std::result::Result<(Node, Node, bool), DriveConflict>> {
    let Some(src) = live(tx, &t.from_drive, &t.from).await? else {
        return Ok(Err(DriveConflict::Missing(t.from.clone())));
    };
    if t.from_drive == t.to_drive && is_within(&t.to, &t.from) {
        return Ok(Err(DriveConflict::IntoItself));
    }
    let folder = match parent_folder(tx, &t.to_drive, &t.to).await? {
        Ok(f) => f,
        Err(e) => return Ok(Err(e)),
    };
    let mut replaced = false;
    if let Some(existing) = live(tx, &t.to_drive, &t.to).await? {
        if !t.overwrite {
            return Ok(Err(DriveConflict::Exists(t.to.clone())));
        }
        trash_in(tx, &t.tenant, &t.to_drive, &existing, &t.trash_id, t.now, &t.by).await?;
        replaced = true;
    }
    Ok(Ok((src, folder, replaced)))
}

const SHARE_COLS: &str = "s.id, s.tenant, s.drive, s.node, s.target_kind, s.target, s.role, s.created_by, s.created,
     s.expires, s.password, s.token, n.path AS path";

#[async_trait]
impl DriveStore for PgStore {
    async fn drives(&self) -> Result<Vec<DriveRow>> {
        let rows = sqlx::query("SELECT id, tenant, slug, body, used FROM drives ORDER BY tenant, slug")
            .fetch_all(&self.pool)
            .await?;
        Ok(rows.iter().map(row_drive).collect())
    }

    async fn drive(&self, id: &str) -> Result<Option<DriveRow>> {
        let r = sqlx::query("SELECT id, tenant, slug, body, used FROM drives WHERE id = $1")
            .bind(id)
            .fetch_optional(&self.pool)
            .await?;
        Ok(r.as_ref().map(row_drive))
    }

    async fn tenant_used(&self, tenant: &str) -> Result<u64> {
        let u: Option<i64> = sqlx::query_scalar("SELECT used FROM tenant_usage WHERE tenant = $1")
            .bind(tenant)
            .fetch_optional(&self.pool)
            .await?;
        Ok(u.unwrap_or(0).max(0) as u64)
    }

    async fn create_drive(&self, row: &DriveRow, level: u8, now: i64, audit: Vec<Draft>) -> Result<Outcome<()>> {
        let mut tx = self.begin_write().await?;
        let res = sqlx::query(
            "INSERT INTO drives (id, tenant, slug, body, used) VALUES ($1, $2, $3, $4, 0) ON CONFLICT DO NOTHING",
        )
        .bind(&row.id)
        .bind(&row.tenant)
        .bind(&row.slug)
        .bind(&row.body)
        .execute(&mut *tx)
        .await?;
        if res.rows_affected() == 0 {
            return Ok(Err(DriveConflict::Exists(row.slug.clone())));
        }
        sqlx::query(
            "INSERT INTO nodes (drive, path, parent, name, dir, level, size, etag, created, modified)
             VALUES ($1, '/', '', '', TRUE, $2, 0, $3, $4, $4)",
        )
        .bind(&row.id)
        .bind(i64::from(level))
        .bind(format!("r{now:x}"))
        .bind(now)
        .execute(&mut *tx)
        .await?;
        let recs = append_audit(&mut tx, audit).await?;
        tx.commit().await?;
        Ok(Ok(((), recs)))
    }

    async fn update_drive(&self, row: &DriveRow, audit: Vec<Draft>) -> Result<Outcome<()>> {
        let mut tx = self.begin_write().await?;
        let res = sqlx::query("UPDATE drives SET slug = $1, body = $2 WHERE id = $3")
            .bind(&row.slug)
            .bind(&row.body)
            .bind(&row.id)
            .execute(&mut *tx)
            .await;
        match res {
            Ok(r) if r.rows_affected() == 0 => return Ok(Err(DriveConflict::Missing(row.id.clone()))),
            Ok(_) => {}
            // The failed statement aborted the transaction; dropping it rolls back.
            Err(sqlx::Error::Database(e)) if e.is_unique_violation() => {
                return Ok(Err(DriveConflict::Exists(row.slug.clone())));
            }
            Err(e) => return Err(e.into()),
        }
        let recs = append_audit(&mut tx, audit).await?;
        tx.commit().await?;
        Ok(Ok(((), recs)))
    }

    async fn node(&self, drive: &str, path: &str) -> Result<Option<Node>> {
        let row = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {NODE_COLS} FROM nodes WHERE drive = $1 AND path = $2 AND trash IS NULL"
        )))
        .bind(drive)
        .bind(path)
        .fetch_optional(&self.pool)
        .await?;
        Ok(row.as_ref().map(row_node))
    }

    async fn node_by_id(&self, id: i64) -> Result<Option<Node>> {
        let row =
            sqlx::query(sqlx::AssertSqlSafe(format!("SELECT {NODE_COLS} FROM nodes WHERE id = $1 AND trash IS NULL")))
                .bind(id)
                .fetch_optional(&self.pool)
                .await?;
        Ok(row.as_ref().map(row_node))
    }

    async fn listing(&self, drive: &str, path: &str) -> Result<Option<(Node, Vec<Node>)>> {
        // One statement: the item itself first (k = 0), then its children by
        // name (bytewise, as SQLite sorts them).
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT 0 AS k, {NODE_COLS} FROM nodes WHERE drive = $1 AND path = $2 AND trash IS NULL
             UNION ALL
             SELECT 1 AS k, {NODE_COLS} FROM nodes WHERE drive = $1 AND parent = $2 AND trash IS NULL AND path <> '/'
             ORDER BY k, name"
        )))
        .bind(drive)
        .bind(path)
        .fetch_all(&self.pool)
        .await?;
        let Some(first) = rows.first().filter(|r| r.get::<i32, _>("k") == 0) else {
            return Ok(None);
        };
        let me = row_node(first);
        if !me.dir {
            return Ok(Some((me, Vec::new())));
        }
        Ok(Some((me, rows[1..].iter().map(row_node).collect())))
    }

    async fn subtree(&self, drive: &str, path: &str) -> Result<Vec<Node>> {
        let (lo, hi) = below(path);
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {NODE_COLS} FROM nodes WHERE drive = $1 AND trash IS NULL AND {} ORDER BY path",
            subtree(2)
        )))
        .bind(drive)
        .bind(path)
        .bind(&lo)
        .bind(&hi)
        .fetch_all(&self.pool)
        .await?;
        Ok(rows.iter().map(row_node).collect())
    }

    async fn scan(&self, drive: &str, path: &str) -> Result<Vec<(Node, bool)>> {
        let (lo, hi) = below(path);
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {NODE_COLS}, trash FROM nodes WHERE drive = $1 AND {}",
            subtree(2)
        )))
        .bind(drive)
        .bind(path)
        .bind(&lo)
        .bind(&hi)
        .fetch_all(&self.pool)
        .await?;
        Ok(rows.iter().map(|r| (row_node(r), r.get::<Option<String>, _>("trash").is_none())).collect())
    }

    async fn nodes_by_ids(&self, ids: &[i64]) -> Result<Vec<Node>> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {NODE_COLS} FROM nodes WHERE trash IS NULL AND id = ANY($1)"
        )))
        .bind(ids)
        .fetch_all(&self.pool)
        .await?;
        Ok(rows.iter().map(row_node).collect())
    }

    async fn put_file(&self, p: &PutFile, audit: Vec<Draft>) -> Result<Outcome<PutOutcome>> {
        let mut tx = self.begin_write().await?;
        let folder = match parent_folder(&mut tx, &p.drive, &p.path).await? {
            Ok(f) => f,
            Err(e) => return Ok(Err(e)),
        };
        let existing = live(&mut tx, &p.drive, &p.path).await?;
        let failed = match &existing {
            Some(_) if p.expect.absent => true,
            None if p.expect.present || p.expect.etag.is_some() => true,
            Some(n) => p.expect.etag.as_ref().is_some_and(|e| *e != n.etag),
            None => false,
        };
        if failed {
            return Ok(Err(DriveConflict::Precondition(p.path.clone())));
        }
        if existing.as_ref().is_some_and(|n| n.dir) {
            return Ok(Err(DriveConflict::IsFolder(p.path.clone())));
        }
        // Which earlier contents survive this write under the level's policy.
        let mut dropped: Vec<(Option<i64>, String, u64)> = Vec::new();
        if let Some(old) = &existing {
            let olds: Vec<(i64, String, i64, i64)> =
                sqlx::query_as("SELECT id, blob, size, replaced FROM versions WHERE node = $1 ORDER BY id DESC")
                    .bind(old.id)
                    .fetch_all(&mut *tx)
                    .await?;
            let keep = p.versions.max_count as usize;
            // The current content becomes the newest version (if any are kept).
            if keep == 0 {
                if let Some(b) = &old.blob {
                    dropped.push((None, b.clone(), old.size));
                }
            }
            for (i, (id, blob, size, replaced)) in olds.iter().enumerate() {
                let too_many = i + 1 >= keep;
                let too_old = p.now - replaced > p.versions.max_age_ms;
                if too_many || too_old {
                    dropped.push((Some(*id), blob.clone(), (*size).max(0) as u64));
                }
            }
        }
        let freed: u64 = dropped.iter().map(|d| d.2).sum();
        let used_now = used(&mut tx, &p.drive).await?;
        if let Err(e) = quota_check(p.quota, used_now.saturating_sub(freed), p.size) {
            return Ok(Err(e));
        }
        if let Err(e) = tenant_quota_check(&mut tx, &p.tenant, p.tenant_quota.as_ref(), freed, p.size).await? {
            return Ok(Err(e));
        }
        let node = if let Some(old) = &existing {
            if p.versions.max_count > 0 {
                if let Some(b) = &old.blob {
                    sqlx::query(
                        "INSERT INTO versions (node, blob, size, etag, modified, author, replaced)
                         VALUES ($1, $2, $3, $4, $5, $6, $7)",
                    )
                    .bind(old.id)
                    .bind(b)
                    .bind(old.size as i64)
                    .bind(&old.etag)
                    .bind(old.modified)
                    .bind(&old.author)
                    .bind(p.now)
                    .execute(&mut *tx)
                    .await?;
                }
            }
            for (id, blob, _) in &dropped {
                if let Some(id) = id {
                    sqlx::query("DELETE FROM versions WHERE id = $1").bind(id).execute(&mut *tx).await?;
                }
                gc(&mut tx, blob, p.now).await?;
            }
            sqlx::query(
                "UPDATE nodes SET size = $1, blob = $2, etag = $3, mime = $4, modified = $5, author = $6 WHERE id = $7",
            )
            .bind(p.size as i64)
            .bind(&p.blob)
            .bind(&p.etag)
            .bind(&p.mime)
            .bind(p.modified)
            .bind(&p.author)
            .bind(old.id)
            .execute(&mut *tx)
            .await?;
            Node {
                size: p.size,
                blob: Some(p.blob.clone()),
                etag: p.etag.clone(),
                mime: p.mime.clone(),
                modified: p.modified,
                author: Some(p.author.clone()),
                ..old.clone()
            }
        } else {
            let name = p.path.rsplit('/').next().unwrap_or_default().to_string();
            let level = p.level.max(folder.level);
            let id: i64 = sqlx::query_scalar(
                "INSERT INTO nodes (drive, path, parent, name, dir, level, size, blob, etag, mime, created, modified, author)
                 VALUES ($1, $2, $3, $4, FALSE, $5, $6, $7, $8, $9, $10, $11, $12) RETURNING id",
            )
            .bind(&p.drive)
            .bind(&p.path)
            .bind(parent_of(&p.path))
            .bind(&name)
            .bind(i64::from(level))
            .bind(p.size as i64)
            .bind(&p.blob)
            .bind(&p.etag)
            .bind(&p.mime)
            .bind(p.now)
            .bind(p.modified)
            .bind(&p.author)
            .fetch_one(&mut *tx)
            .await?;
            Node {
                id,
                drive: p.drive.clone(),
                path: p.path.clone(),
                name,
                dir: false,
                level,
                size: p.size,
                blob: Some(p.blob.clone()),
                etag: p.etag.clone(),
                mime: p.mime.clone(),
                created: p.now,
                modified: p.modified,
                author: Some(p.author.clone()),
                props: None,
            }
        };
        add_used(&mut tx, &p.drive, p.size as i64 - freed as i64).await?;
        let kind = if existing.is_some() { "update" } else { "create" };
        change(&mut tx, &p.tenant, &p.drive, Some(node.id), kind, &p.path, None, false, p.now).await?;
        let recs = append_audit(&mut tx, audit).await?;
        tx.commit().await?;
        Ok(Ok((PutOutcome { node, created: existing.is_none() }, recs)))
    }

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
    ) -> Result<Outcome<Node>> {
        let mut tx = self.begin_write().await?;
        let folder = match parent_folder(&mut tx, drive, path).await? {
            Ok(f) => f,
            Err(e) => return Ok(Err(e)),
        };
        if live(&mut tx, drive, path).await?.is_some() {
            return Ok(Err(DriveConflict::Exists(path.to_string())));
        }
        let name = path.rsplit('/').next().unwrap_or_default().to_string();
        let level = level.max(folder.level);
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO nodes (drive, path, parent, name, dir, level, size, etag, created, modified, author)
             VALUES ($1, $2, $3, $4, TRUE, $5, 0, $6, $7, $7, $8) RETURNING id",
        )
        .bind(drive)
        .bind(path)
        .bind(parent_of(path))
        .bind(&name)
        .bind(i64::from(level))
        .bind(etag)
        .bind(now)
        .bind(by)
        .fetch_one(&mut *tx)
        .await?;
        change(&mut tx, tenant, drive, Some(id), "create", path, None, true, now).await?;
        let recs = append_audit(&mut tx, audit).await?;
        tx.commit().await?;
        let node = Node {
            id,
            drive: drive.into(),
            path: path.into(),
            name,
            dir: true,
            level,
            size: 0,
            blob: None,
            etag: etag.into(),
            mime: None,
            created: now,
            modified: now,
            author: Some(by.into()),
            props: None,
        };
        Ok(Ok((node, recs)))
    }

    async fn trash(
        &self,
        tenant: &str,
        drive: &str,
        path: &str,
        trash_id: &str,
        now: i64,
        by: &str,
        audit: Vec<Draft>,
    ) -> Result<Outcome<TrashEntry>> {
        let mut tx = self.begin_write().await?;
        let Some(node) = live(&mut tx, drive, path).await? else {
            return Ok(Err(DriveConflict::Missing(path.to_string())));
        };
        let entry = trash_in(&mut tx, tenant, drive, &node, trash_id, now, by).await?;
        let recs = append_audit(&mut tx, audit).await?;
        tx.commit().await?;
        Ok(Ok((entry, recs)))
    }

    async fn move_node(&self, t: &Transfer, audit: Vec<Draft>) -> Result<Outcome<TransferOutcome>> {
        let mut tx = self.begin_write().await?;
        let (src, folder, replaced) = match prepare_transfer(&mut tx, t).await? {
            Ok(v) => v,
            Err(e) => return Ok(Err(e)),
        };
        let cross = t.from_drive != t.to_drive;
        let bytes = if cross { subtree_bytes(&mut tx, &t.from_drive, &t.from, true).await? } else { 0 };
        if cross {
            let used_to = used(&mut tx, &t.to_drive).await?;
            if let Err(e) = quota_check(t.quota, used_to, bytes) {
                return Ok(Err(e));
            }
        }
        let (lo, hi) = below(&t.from);
        let ids: Vec<i64> = sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
            "SELECT id FROM nodes WHERE drive = $1 AND trash IS NULL AND {}",
            subtree(2)
        )))
        .bind(&t.from_drive)
        .bind(&t.from)
        .bind(&lo)
        .bind(&hi)
        .fetch_all(&mut *tx)
        .await?;
        let name = t.to.rsplit('/').next().unwrap_or_default().to_string();
        // substr counts characters, as SQLite's does.
        let from_len = t.from.chars().count() as i64;
        let level_sql = match t.set_level {
            Some(_) => "$7",
            None => "GREATEST(level, $7)",
        };
        sqlx::query(sqlx::AssertSqlSafe(format!(
            "UPDATE nodes SET drive = $1,
                path = $2 || substr(path, $3::INT + 1),
                parent = CASE WHEN id = $4 THEN $5 ELSE $2 || substr(parent, $3::INT + 1) END,
                name = CASE WHEN id = $4 THEN $6 ELSE name END,
                level = {level_sql}
             WHERE drive = $8 AND trash IS NULL AND {}",
            subtree(9)
        )))
        .bind(&t.to_drive)
        .bind(&t.to)
        .bind(from_len)
        .bind(src.id)
        .bind(parent_of(&t.to))
        .bind(&name)
        .bind(i64::from(t.set_level.unwrap_or(folder.level)))
        .bind(&t.from_drive)
        .bind(&t.from)
        .bind(&lo)
        .bind(&hi)
        .execute(&mut *tx)
        .await?;
        sqlx::query(sqlx::AssertSqlSafe(format!("DELETE FROM locks WHERE drive = $1 AND {}", subtree(2))))
            .bind(&t.from_drive)
            .bind(&t.from)
            .bind(&lo)
            .bind(&hi)
            .execute(&mut *tx)
            .await?;
        if cross {
            sqlx::query("UPDATE shares SET drive = $1 WHERE node = ANY($2)")
                .bind(&t.to_drive)
                .bind(&ids)
                .execute(&mut *tx)
                .await?;
            add_used(&mut tx, &t.from_drive, -(bytes as i64)).await?;
            add_used(&mut tx, &t.to_drive, bytes as i64).await?;
            change(&mut tx, &t.tenant, &t.from_drive, Some(src.id), "delete", &t.from, None, src.dir, t.now).await?;
            change(&mut tx, &t.tenant, &t.to_drive, Some(src.id), "create", &t.to, None, src.dir, t.now).await?;
        } else {
            change(&mut tx, &t.tenant, &t.to_drive, Some(src.id), "move", &t.to, Some(&t.from), src.dir, t.now).await?;
        }
        let node = live(&mut tx, &t.to_drive, &t.to).await?.expect("moved node exists");
        let recs = append_audit(&mut tx, audit).await?;
        tx.commit().await?;
        Ok(Ok((TransferOutcome { node, replaced }, recs)))
    }

    async fn copy_node(&self, t: &Transfer, audit: Vec<Draft>) -> Result<Outcome<TransferOutcome>> {
        let mut tx = self.begin_write().await?;
        let (src, folder, replaced) = match prepare_transfer(&mut tx, t).await? {
            Ok(v) => v,
            Err(e) => return Ok(Err(e)),
        };
        let bytes = subtree_bytes(&mut tx, &t.from_drive, &t.from, false).await?;
        let used_to = used(&mut tx, &t.to_drive).await?;
        if let Err(e) = quota_check(t.quota, used_to, bytes) {
            return Ok(Err(e));
        }
        if let Err(e) = tenant_quota_check(&mut tx, &t.tenant, t.tenant_quota.as_ref(), 0, bytes).await? {
            return Ok(Err(e));
        }
        let (lo, hi) = below(&t.from);
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {NODE_COLS} FROM nodes WHERE drive = $1 AND trash IS NULL AND {} ORDER BY path",
            subtree(2)
        )))
        .bind(&t.from_drive)
        .bind(&t.from)
        .bind(&lo)
        .bind(&hi)
        .fetch_all(&mut *tx)
        .await?;
        for (i, n) in rows.iter().map(row_node).enumerate() {
            let path = format!("{}{}", t.to, &n.path[t.from.len()..]);
            let (parent, name) = if n.id == src.id {
                (parent_of(&t.to).to_string(), t.to.rsplit('/').next().unwrap_or_default().to_string())
            } else {
                (parent_of(&path).to_string(), n.name.clone())
            };
            let level = t.set_level.unwrap_or_else(|| n.level.max(folder.level));
            sqlx::query(
                "INSERT INTO nodes (drive, path, parent, name, dir, level, size, blob, etag, mime, created, modified, author, props)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)",
            )
            .bind(&t.to_drive)
            .bind(&path)
            .bind(&parent)
            .bind(&name)
            .bind(n.dir)
            .bind(i64::from(level))
            .bind(n.size as i64)
            .bind(&n.blob)
            .bind(format!("{}-{i:x}", t.trash_id))
            .bind(&n.mime)
            .bind(t.now)
            .bind(n.modified)
            .bind(&t.by)
            .bind(&n.props)
            .execute(&mut *tx)
            .await?;
        }
        add_used(&mut tx, &t.to_drive, bytes as i64).await?;
        let node = live(&mut tx, &t.to_drive, &t.to).await?.expect("copied node exists");
        change(&mut tx, &t.tenant, &t.to_drive, Some(node.id), "create", &t.to, None, node.dir, t.now).await?;
        let recs = append_audit(&mut tx, audit).await?;
        tx.commit().await?;
        Ok(Ok((TransferOutcome { node, replaced }, recs)))
    }

    async fn set_props(
        &self,
        _tenant: &str,
        drive: &str,
        path: &str,
        props: &str,
        audit: Vec<Draft>,
    ) -> Result<Outcome<()>> {
        let mut tx = self.begin_write().await?;
        let res = sqlx::query("UPDATE nodes SET props = $1 WHERE drive = $2 AND path = $3 AND trash IS NULL")
            .bind(props)
            .bind(drive)
            .bind(path)
            .execute(&mut *tx)
            .await?;
        if res.rows_affected() == 0 {
            return Ok(Err(DriveConflict::Missing(path.to_string())));
        }
        let recs = append_audit(&mut tx, audit).await?;
        tx.commit().await?;
        Ok(Ok(((), recs)))
    }

    async fn set_level(
        &self,
        tenant: &str,
        drive: &str,
        path: &str,
        level: u8,
        now: i64,
        audit: Vec<Draft>,
    ) -> Result<Outcome<()>> {
        let mut tx = self.begin_write().await?;
        let Some(node) = live(&mut tx, drive, path).await? else {
            return Ok(Err(DriveConflict::Missing(path.to_string())));
        };
        let (lo, hi) = below(path);
        sqlx::query(
            "UPDATE nodes SET level = GREATEST(level, $1)
             WHERE drive = $2 AND trash IS NULL AND path >= $3 AND path < $4",
        )
        .bind(i64::from(level))
        .bind(drive)
        .bind(&lo)
        .bind(&hi)
        .execute(&mut *tx)
        .await?;
        sqlx::query("UPDATE nodes SET level = $1 WHERE id = $2")
            .bind(i64::from(level))
            .bind(node.id)
            .execute(&mut *tx)
            .await?;
        change(&mut tx, tenant, drive, Some(node.id), "update", path, None, node.dir, now).await?;
        let recs = append_audit(&mut tx, audit).await?;
        tx.commit().await?;
        Ok(Ok(((), recs)))
    }

    async fn trash_list(&self, drive: &str) -> Result<Vec<TrashEntry>> {
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {TRASH_COLS} FROM trash WHERE drive = $1 ORDER BY deleted DESC"
        )))
        .bind(drive)
        .fetch_all(&self.pool)
        .await?;
        Ok(rows.iter().map(row_trash).collect())
    }

    async fn restore(&self, tenant: &str, drive: &str, id: &str, now: i64, audit: Vec<Draft>) -> Result<Outcome<Node>> {
        let mut tx = self.begin_write().await?;
        let Some(entry) =
            sqlx::query(sqlx::AssertSqlSafe(format!("SELECT {TRASH_COLS} FROM trash WHERE id = $1 AND drive = $2")))
                .bind(id)
                .bind(drive)
                .fetch_optional(&mut *tx)
                .await?
                .as_ref()
                .map(row_trash)
        else {
            return Ok(Err(DriveConflict::Missing(id.to_string())));
        };
        if live(&mut tx, drive, &entry.path).await?.is_some() {
            return Ok(Err(DriveConflict::Exists(entry.path.clone())));
        }
        if parent_folder(&mut tx, drive, &entry.path).await?.is_err() {
            return Ok(Err(DriveConflict::RestoreParent(entry.path.clone())));
        }
        sqlx::query("UPDATE nodes SET trash = NULL WHERE trash = $1").bind(id).execute(&mut *tx).await?;
        sqlx::query("DELETE FROM trash WHERE id = $1").bind(id).execute(&mut *tx).await?;
        let node = live(&mut tx, drive, &entry.path).await?.expect("restored node exists");
        change(&mut tx, tenant, drive, Some(node.id), "restore", &entry.path, None, node.dir, now).await?;
        let recs = append_audit(&mut tx, audit).await?;
        tx.commit().await?;
        Ok(Ok((node, recs)))
    }

    async fn purge(&self, drive: &str, id: &str, now: i64, audit: Vec<Draft>) -> Result<Outcome<()>> {
        let mut tx = self.begin_write().await?;
        if !purge_in(&mut tx, drive, id, now).await? {
            return Ok(Err(DriveConflict::Missing(id.to_string())));
        }
        let recs = append_audit(&mut tx, audit).await?;
        tx.commit().await?;
        Ok(Ok(((), recs)))
    }

    async fn versions(&self, node: i64) -> Result<Vec<Version>> {
        let rows = sqlx::query(
            "SELECT id, node, blob, size, etag, modified, author, replaced FROM versions WHERE node = $1 ORDER BY id",
        )
        .bind(node)
        .fetch_all(&self.pool)
        .await?;
        Ok(rows
            .iter()
            .map(|r| Version {
                id: r.get("id"),
                node: r.get("node"),
                blob: r.get("blob"),
                size: r.get::<i64, _>("size") as u64,
                etag: r.get("etag"),
                modified: r.get("modified"),
                author: r.get("author"),
                replaced: r.get("replaced"),
            })
            .collect())
    }

    async fn changes(&self, drive: &str, since: i64, limit: u32) -> Result<Vec<Change>> {
        let rows = sqlx::query(
            "SELECT seq, drive, node, kind, path, from_path, dir, time FROM changes
             WHERE drive = $1 AND seq > $2 ORDER BY seq LIMIT $3",
        )
        .bind(drive)
        .bind(since)
        .bind(i64::from(limit))
        .fetch_all(&self.pool)
        .await?;
        Ok(rows.iter().map(row_change).collect())
    }

    async fn changes_all(&self, since: i64, limit: u32) -> Result<Vec<(String, Change)>> {
        let rows = sqlx::query(
            "SELECT seq, tenant, drive, node, kind, path, from_path, dir, time FROM changes
             WHERE seq > $1 ORDER BY seq LIMIT $2",
        )
        .bind(since)
        .bind(i64::from(limit))
        .fetch_all(&self.pool)
        .await?;
        Ok(rows.iter().map(|r| (r.get("tenant"), row_change(r))).collect())
    }

    async fn tenant_blobs_after(&self, tenant: &str, after: &str, limit: u32) -> Result<Vec<String>> {
        let rows: Vec<String> = sqlx::query_scalar(
            "SELECT blob FROM (
                 SELECT n.blob AS blob FROM nodes n JOIN drives d ON d.id = n.drive
                  WHERE d.tenant = $1 AND n.blob IS NOT NULL
                 UNION
                 SELECT v.blob FROM versions v JOIN nodes n ON n.id = v.node JOIN drives d ON d.id = n.drive
                  WHERE d.tenant = $1) b
             WHERE blob > $2 ORDER BY blob LIMIT $3",
        )
        .bind(tenant)
        .bind(after)
        .bind(i64::from(limit))
        .fetch_all(&self.pool)
        .await?;
        Ok(rows)
    }

    async fn purge_tenant(&self, tenant: &str, now: i64, audit: Vec<Draft>) -> Result<Vec<suveren_audit::Record>> {
        let mut tx = self.begin_write().await?;
        // Blobs first (while the rows naming them exist), bound with `now`.
        let queue = [
            "INSERT INTO blob_gc (blob, since)
             SELECT n.blob, $1 FROM nodes n
              WHERE n.drive IN (SELECT id FROM drives WHERE tenant = $2) AND n.blob IS NOT NULL
             ON CONFLICT DO NOTHING",
            "INSERT INTO blob_gc (blob, since)
             SELECT v.blob, $1 FROM versions v JOIN nodes n ON n.id = v.node
              WHERE n.drive IN (SELECT id FROM drives WHERE tenant = $2)
             ON CONFLICT DO NOTHING",
        ];
        for sql in queue {
            sqlx::query(sql).bind(now).bind(tenant).execute(&mut *tx).await?;
        }
        let steps = [
            "DELETE FROM shares WHERE drive IN (SELECT id FROM drives WHERE tenant = $1)",
            "DELETE FROM locks WHERE drive IN (SELECT id FROM drives WHERE tenant = $1)",
            "DELETE FROM versions WHERE node IN
              (SELECT id FROM nodes WHERE drive IN (SELECT id FROM drives WHERE tenant = $1))",
            "DELETE FROM trash WHERE drive IN (SELECT id FROM drives WHERE tenant = $1)",
            "DELETE FROM nodes WHERE drive IN (SELECT id FROM drives WHERE tenant = $1)",
            "DELETE FROM changes WHERE tenant = $1",
            "DELETE FROM drives WHERE tenant = $1",
            "DELETE FROM objects WHERE tenant = $1",
        ];
        for sql in steps {
            sqlx::query(sql).bind(tenant).execute(&mut *tx).await?;
        }
        let recs = append_audit(&mut tx, audit).await?;
        tx.commit().await?;
        Ok(recs)
    }

    async fn blob_gc_pending(&self, limit: u32) -> Result<Vec<String>> {
        let rows: Vec<String> = sqlx::query_scalar("SELECT blob FROM blob_gc ORDER BY since LIMIT $1")
            .bind(i64::from(limit))
            .fetch_all(&self.pool)
            .await?;
        Ok(rows)
    }

    async fn blob_gc_due(&self, before: i64, limit: u32) -> Result<Vec<String>> {
        let rows: Vec<String> =
            sqlx::query_scalar("SELECT blob FROM blob_gc WHERE since <= $1 ORDER BY since LIMIT $2")
                .bind(before)
                .bind(i64::from(limit))
                .fetch_all(&self.pool)
                .await?;
        Ok(rows)
    }

    async fn blob_gc_take(&self, blob: &str) -> Result<bool> {
        let mut tx = self.begin_write().await?;
        let used: Option<i32> = sqlx::query_scalar(
            "SELECT 1 FROM nodes WHERE blob = $1 UNION ALL SELECT 1 FROM versions WHERE blob = $1 LIMIT 1",
        )
        .bind(blob)
        .fetch_optional(&mut *tx)
        .await?;
        sqlx::query("DELETE FROM blob_gc WHERE blob = $1").bind(blob).execute(&mut *tx).await?;
        tx.commit().await?;
        Ok(used.is_some())
    }

    async fn locks(&self, drive: &str) -> Result<Vec<LockRow>> {
        let rows = sqlx::query(
            "SELECT token, drive, path, principal, owner, timeout_at, timeout_s, shared, deep FROM locks WHERE drive = $1",
        )
        .bind(drive)
        .fetch_all(&self.pool)
        .await?;
        Ok(rows.iter().map(row_lock).collect())
    }

    async fn put_lock(&self, l: &LockRow) -> Result<()> {
        let mut tx = self.begin_write().await?;
        sqlx::query(
            "INSERT INTO locks (token, drive, path, principal, owner, timeout_at, timeout_s, shared, deep)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
             ON CONFLICT (token) DO UPDATE SET timeout_at = excluded.timeout_at, timeout_s = excluded.timeout_s",
        )
        .bind(&l.token)
        .bind(&l.drive)
        .bind(&l.path)
        .bind(&l.principal)
        .bind(&l.owner)
        .bind(l.timeout_at)
        .bind(l.timeout_s.map(|s| s as i64))
        .bind(l.shared)
        .bind(l.deep)
        .execute(&mut *tx)
        .await?;
        tx.commit().await
    }

    async fn delete_lock(&self, token: &str) -> Result<bool> {
        let mut tx = self.begin_write().await?;
        let r = sqlx::query("DELETE FROM locks WHERE token = $1").bind(token).execute(&mut *tx).await?;
        tx.commit().await?;
        Ok(r.rows_affected() > 0)
    }

    async fn expire_locks(&self, now: i64) -> Result<u64> {
        let mut tx = self.begin_write().await?;
        let r = sqlx::query("DELETE FROM locks WHERE timeout_at IS NOT NULL AND timeout_at <= $1")
            .bind(now)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(r.rows_affected())
    }

    async fn put_share(&self, s: &ShareRow, audit: Vec<Draft>) -> Result<Outcome<()>> {
        let mut tx = self.begin_write().await?;
        let res = sqlx::query(
            "INSERT INTO shares (id, tenant, drive, node, target_kind, target, role, created_by, created, expires, password, token)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) ON CONFLICT DO NOTHING",
        )
        .bind(&s.id)
        .bind(&s.tenant)
        .bind(&s.drive)
        .bind(s.node)
        .bind(&s.target_kind)
        .bind(&s.target)
        .bind(&s.role)
        .bind(&s.created_by)
        .bind(s.created)
        .bind(s.expires)
        .bind(&s.password)
        .bind(&s.token)
        .execute(&mut *tx)
        .await?;
        if res.rows_affected() == 0 {
            return Ok(Err(DriveConflict::Exists(s.id.clone())));
        }
        let recs = append_audit(&mut tx, audit).await?;
        tx.commit().await?;
        Ok(Ok(((), recs)))
    }

    async fn delete_share(&self, id: &str, audit: Vec<Draft>) -> Result<Outcome<()>> {
        let mut tx = self.begin_write().await?;
        let res = sqlx::query("DELETE FROM shares WHERE id = $1").bind(id).execute(&mut *tx).await?;
        if res.rows_affected() == 0 {
            return Ok(Err(DriveConflict::Missing(id.to_string())));
        }
        let recs = append_audit(&mut tx, audit).await?;
        tx.commit().await?;
        Ok(Ok(((), recs)))
    }

    async fn share(&self, id: &str) -> Result<Option<ShareRow>> {
        let r = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {SHARE_COLS} FROM shares s JOIN nodes n ON n.id = s.node WHERE s.id = $1 AND n.trash IS NULL"
        )))
        .bind(id)
        .fetch_optional(&self.pool)
        .await?;
        Ok(r.as_ref().map(row_share))
    }

    async fn share_by_token(&self, token_hash: &str) -> Result<Option<ShareRow>> {
        let r = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {SHARE_COLS} FROM shares s JOIN nodes n ON n.id = s.node WHERE s.token = $1 AND n.trash IS NULL"
        )))
        .bind(token_hash)
        .fetch_optional(&self.pool)
        .await?;
        Ok(r.as_ref().map(row_share))
    }

    async fn shares_of_drive(&self, drive: &str) -> Result<Vec<ShareRow>> {
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {SHARE_COLS} FROM shares s JOIN nodes n ON n.id = s.node
             WHERE s.drive = $1 AND n.trash IS NULL ORDER BY n.path, s.created"
        )))
        .bind(drive)
        .fetch_all(&self.pool)
        .await?;
        Ok(rows.iter().map(row_share).collect())
    }

    async fn shares_for(&self, targets: &[(String, String)]) -> Result<Vec<ShareRow>> {
        if targets.is_empty() {
            return Ok(Vec::new());
        }
        // Two arrays rather than a condition per target: one statement
        // (prepared once) however many groups the caller is in.
        let kinds: Vec<&str> = targets.iter().map(|t| t.0.as_str()).collect();
        let names: Vec<&str> = targets.iter().map(|t| t.1.as_str()).collect();
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {SHARE_COLS} FROM shares s JOIN nodes n ON n.id = s.node
             WHERE n.trash IS NULL
               AND (s.target_kind, s.target) IN (SELECT k, t FROM unnest($1::TEXT[], $2::TEXT[]) AS x (k, t))
             ORDER BY s.created"
        )))
        .bind(&kinds)
        .bind(&names)
        .fetch_all(&self.pool)
        .await?;
        Ok(rows.iter().map(row_share).collect())
    }

    async fn shares_by_creator(&self, principal: &str) -> Result<Vec<ShareRow>> {
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {SHARE_COLS} FROM shares s JOIN nodes n ON n.id = s.node
             WHERE s.created_by = $1 AND n.trash IS NULL ORDER BY s.created"
        )))
        .bind(principal)
        .fetch_all(&self.pool)
        .await?;
        Ok(rows.iter().map(row_share).collect())
    }
}
