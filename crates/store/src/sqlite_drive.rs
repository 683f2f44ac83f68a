//! The drive tables on SQLite. Each write takes the writer mutex, checks its
//! preconditions and applies its change inside one `BEGIN … COMMIT` together
//! with its audit records.

use async_trait::async_trait;
use sqlx::sqlite::SqliteRow;
use sqlx::{Row, SqliteConnection};
use suveren_audit::Draft;

use crate::drive::*;
use crate::sqlite::{append_audit, SqliteStore};
use crate::Result;

type Tx = SqliteConnection;

pub(crate) const NODE_COLS: &str =
    "id, drive, path, name, dir, level, size, blob, etag, mime, created, modified, author, props";
/// `path` and everything below it: `?` = path, `?` = lower bound, `?` = upper bound.
const SUBTREE: &str = "(path = ? OR (path >= ? AND path < ?))";

/// Bounds of the paths strictly below `path` (byte order: '0' follows '/').
fn below(path: &str) -> (String, String) {
    if path == "/" {
        ("/".into(), "0".into())
    } else {
        (format!("{path}/"), format!("{path}0"))
    }
}

pub(crate) fn row_node(r: &SqliteRow) -> Node {
    Node {
        id: r.get("id"),
        drive: r.get("drive"),
        path: r.get("path"),
        name: r.get("name"),
        dir: r.get::<i64, _>("dir") != 0,
        level: r.get::<i64, _>("level") as u8,
        size: r.get::<i64, _>("size") as u64,
        blob: r.get("blob"),
        etag: r.get("etag"),
        mime: r.get("mime"),
        created: r.get("created"),
        modified: r.get("modified"),
        author: r.get("author"),
        props: r.get("props"),
    }
}

/// One node as `json_array(NODE_COLS)` gives it.
type NodeTuple = (
    i64,
    String,
    String,
    String,
    i64,
    i64,
    i64,
    Option<String>,
    String,
    Option<String>,
    i64,
    i64,
    Option<String>,
    Option<String>,
);

fn nodes_from_json(json: &str) -> Result<Vec<Node>> {
    let rows: Vec<NodeTuple> = serde_json::from_str(json).map_err(|source| crate::StoreError::Corrupt {
        kind: "node".into(),
        key: String::new(),
        source,
    })?;
    Ok(rows
        .into_iter()
        .map(|(id, drive, path, name, dir, level, size, blob, etag, mime, created, modified, author, props)| Node {
            id,
            drive,
            path,
            name,
            dir: dir != 0,
            level: level as u8,
            size: size.max(0) as u64,
            blob,
            etag,
            mime,
            created,
            modified,
            author,
            props,
        })
        .collect())
}

fn row_share(r: &SqliteRow) -> ShareRow {
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

fn row_lock(r: &SqliteRow) -> LockRow {
    LockRow {
        token: r.get("token"),
        drive: r.get("drive"),
        path: r.get("path"),
        principal: r.get("principal"),
        owner: r.get("owner"),
        timeout_at: r.get("timeout_at"),
        timeout_s: r.get::<Option<i64>, _>("timeout_s").map(|s| s as u64),
        shared: r.get::<i64, _>("shared") != 0,
        deep: r.get::<i64, _>("deep") != 0,
    }
}

pub(crate) fn row_trash(r: &SqliteRow) -> TrashEntry {
    TrashEntry {
        id: r.get("id"),
        drive: r.get("drive"),
        node: r.get("node"),
        path: r.get("path"),
        dir: r.get::<i64, _>("dir") != 0,
        size: r.get::<i64, _>("size") as u64,
        deleted: r.get("deleted"),
        by: r.get("by"),
    }
}

fn row_change(r: &SqliteRow) -> Change {
    Change {
        seq: r.get("seq"),
        drive: r.get("drive"),
        node: r.get("node"),
        kind: r.get("kind"),
        path: r.get("path"),
        from_path: r.get("from_path"),
        dir: r.get::<i64, _>("dir") != 0,
        time: r.get("time"),
    }
}

async fn live(tx: &mut Tx, drive: &str, path: &str) -> Result<Option<Node>> {
    let row = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {NODE_COLS} FROM nodes WHERE drive = ? AND path = ? AND trash IS NULL"
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
    let (u,): (i64,) = sqlx::query_as("SELECT used FROM drives WHERE id = ?").bind(drive).fetch_one(&mut *tx).await?;
    Ok(u.max(0) as u64)
}

pub(crate) async fn add_used(tx: &mut Tx, drive: &str, delta: i64) -> Result<()> {
    if delta != 0 {
        sqlx::query("UPDATE drives SET used = MAX(0, used + ?) WHERE id = ?")
            .bind(delta)
            .bind(drive)
            .execute(&mut *tx)
            .await?;
    }
    Ok(())
}

async fn tenant_used(tx: &mut Tx, tenant: &str) -> Result<u64> {
    let u: Option<i64> = sqlx::query_scalar("SELECT used FROM tenant_usage WHERE tenant = ?")
        .bind(tenant)
        .fetch_optional(&mut *tx)
        .await?;
    Ok(u.unwrap_or(0).max(0) as u64)
}

/// The tenant's quota, read inside the write's transaction (one writer at a
/// time), so racing writes cannot together pass it; `freed` is what the
/// write itself releases (versions it drops).
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
        "INSERT INTO changes (tenant, drive, node, kind, path, from_path, dir, time) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
    )
    .bind(tenant)
    .bind(drive)
    .bind(node)
    .bind(kind)
    .bind(path)
    .bind(from)
    .bind(dir as i64)
    .bind(now)
    .execute(&mut *tx)
    .await?;
    Ok(())
}

pub(crate) async fn gc(tx: &mut Tx, blob: &str, now: i64) -> Result<()> {
    sqlx::query("INSERT INTO blob_gc (blob, since) VALUES (?, ?) ON CONFLICT DO NOTHING")
        .bind(blob)
        .bind(now)
        .execute(&mut *tx)
        .await?;
    Ok(())
}

/// Marks the live subtree at `path` as trashed under a new entry.
#[allow(clippy::too_many_arguments)]
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
    let (size,): (i64,) = sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT COALESCE(SUM(size), 0) FROM nodes WHERE drive = ? AND trash IS NULL AND {SUBTREE}"
    )))
    .bind(drive)
    .bind(&node.path)
    .bind(&lo)
    .bind(&hi)
    .fetch_one(&mut *tx)
    .await?;
    sqlx::query("INSERT INTO trash (id, drive, node, path, dir, size, deleted, by) VALUES (?, ?, ?, ?, ?, ?, ?, ?)")
        .bind(id)
        .bind(drive)
        .bind(node.id)
        .bind(&node.path)
        .bind(node.dir as i64)
        .bind(size)
        .bind(now)
        .bind(by)
        .execute(&mut *tx)
        .await?;
    sqlx::query(sqlx::AssertSqlSafe(format!(
        "UPDATE nodes SET trash = ? WHERE drive = ? AND trash IS NULL AND {SUBTREE}"
    )))
    .bind(id)
    .bind(drive)
    .bind(&node.path)
    .bind(&lo)
    .bind(&hi)
    .execute(&mut *tx)
    .await?;
    sqlx::query(sqlx::AssertSqlSafe(format!("DELETE FROM locks WHERE drive = ? AND {SUBTREE}")))
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
        size: size as u64,
        deleted: now,
        by: by.into(),
    })
}

/// Deletes a trash entry for good inside the caller's transaction; its
/// blobs go to the sweeper. `false` when there is no such entry.
pub(crate) async fn purge_in(tx: &mut Tx, drive: &str, id: &str, now: i64) -> Result<bool> {
    let exists: Option<(String,)> = sqlx::query_as("SELECT id FROM trash WHERE id = ? AND drive = ?")
        .bind(id)
        .bind(drive)
        .fetch_optional(&mut *tx)
        .await?;
    if exists.is_none() {
        return Ok(false);
    }
    let blobs: Vec<(String, i64)> = sqlx::query_as(
        "SELECT blob, size FROM nodes WHERE trash = ? AND blob IS NOT NULL
         UNION ALL
         SELECT v.blob, v.size FROM versions v JOIN nodes n ON n.id = v.node WHERE n.trash = ?",
    )
    .bind(id)
    .bind(id)
    .fetch_all(&mut *tx)
    .await?;
    let mut bytes = 0i64;
    for (b, size) in &blobs {
        bytes += size;
        gc(tx, b, now).await?;
    }
    sqlx::query("DELETE FROM versions WHERE node IN (SELECT id FROM nodes WHERE trash = ?)")
        .bind(id)
        .execute(&mut *tx)
        .await?;
    sqlx::query("DELETE FROM shares WHERE node IN (SELECT id FROM nodes WHERE trash = ?)")
        .bind(id)
        .execute(&mut *tx)
        .await?;
    sqlx::query("DELETE FROM nodes WHERE trash = ?").bind(id).execute(&mut *tx).await?;
    sqlx::query("DELETE FROM trash WHERE id = ?").bind(id).execute(&mut *tx).await?;
    add_used(tx, drive, -bytes).await?;
    Ok(true)
}

/// Bytes a subtree holds, with its versions.
async fn subtree_bytes(tx: &mut Tx, drive: &str, path: &str, with_versions: bool) -> Result<u64> {
    let (lo, hi) = below(path);
    let (live,): (i64,) = sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT COALESCE(SUM(size), 0) FROM nodes WHERE drive = ? AND trash IS NULL AND {SUBTREE}"
    )))
    .bind(drive)
    .bind(path)
    .bind(&lo)
    .bind(&hi)
    .fetch_one(&mut *tx)
    .await?;
    let versions = if with_versions {
        let (v,): (i64,) = sqlx::query_as(
            "SELECT COALESCE(SUM(v.size), 0) FROM versions v JOIN nodes n ON n.id = v.node
             WHERE n.drive = ? AND n.trash IS NULL AND (n.path = ? OR (n.path >= ? AND n.path < ?))",
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

/// Common checks of move and copy; on success the destination's folder and
/// whether the destination was replaced (trashed).
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

#[async_trait]
impl DriveStore for SqliteStore {
    async fn drives(&self) -> Result<Vec<DriveRow>> {
        let rows = sqlx::query("SELECT id, tenant, slug, body, used FROM drives ORDER BY tenant, slug")
            .fetch_all(&self.pool)
            .await?;
        Ok(rows
            .iter()
            .map(|r| DriveRow {
                id: r.get("id"),
                tenant: r.get("tenant"),
                slug: r.get("slug"),
                body: r.get("body"),
                used: r.get::<i64, _>("used").max(0) as u64,
            })
            .collect())
    }

    async fn drive(&self, id: &str) -> Result<Option<DriveRow>> {
        let r = sqlx::query("SELECT id, tenant, slug, body, used FROM drives WHERE id = ?")
            .bind(id)
            .fetch_optional(&self.pool)
            .await?;
        Ok(r.map(|r| DriveRow {
            id: r.get("id"),
            tenant: r.get("tenant"),
            slug: r.get("slug"),
            body: r.get("body"),
            used: r.get::<i64, _>("used").max(0) as u64,
        }))
    }

    async fn tenant_used(&self, tenant: &str) -> Result<u64> {
        let u: Option<i64> = sqlx::query_scalar("SELECT used FROM tenant_usage WHERE tenant = ?")
            .bind(tenant)
            .fetch_optional(&self.pool)
            .await?;
        Ok(u.unwrap_or(0).max(0) as u64)
    }

    async fn create_drive(&self, row: &DriveRow, level: u8, now: i64, audit: Vec<Draft>) -> Result<Outcome<()>> {
        let mut tx = self.begin_write().await?;
        let res = sqlx::query(
            "INSERT INTO drives (id, tenant, slug, body, used) VALUES (?, ?, ?, ?, 0) ON CONFLICT DO NOTHING",
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
             VALUES (?, '/', '', '', 1, ?, 0, ?, ?, ?)",
        )
        .bind(&row.id)
        .bind(i64::from(level))
        .bind(format!("r{now:x}"))
        .bind(now)
        .bind(now)
        .execute(&mut *tx)
        .await?;
        let recs = append_audit(&mut tx, audit).await?;
        tx.commit().await?;
        Ok(Ok(((), recs)))
    }

    async fn update_drive(&self, row: &DriveRow, audit: Vec<Draft>) -> Result<Outcome<()>> {
        let mut tx = self.begin_write().await?;
        let res = sqlx::query("UPDATE drives SET slug = ?, body = ? WHERE id = ?")
            .bind(&row.slug)
            .bind(&row.body)
            .bind(&row.id)
            .execute(&mut *tx)
            .await;
        match res {
            Ok(r) if r.rows_affected() == 0 => return Ok(Err(DriveConflict::Missing(row.id.clone()))),
            Ok(_) => {}
            Err(sqlx::Error::Database(e)) if e.is_unique_violation() => {
                return Ok(Err(DriveConflict::Exists(row.slug.clone())))
            }
            Err(e) => return Err(e.into()),
        }
        let recs = append_audit(&mut tx, audit).await?;
        tx.commit().await?;
        Ok(Ok(((), recs)))
    }

    async fn node(&self, drive: &str, path: &str) -> Result<Option<Node>> {
        let row = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {NODE_COLS} FROM nodes WHERE drive = ? AND path = ? AND trash IS NULL"
        )))
        .bind(drive)
        .bind(path)
        .fetch_optional(&self.pool)
        .await?;
        Ok(row.as_ref().map(row_node))
    }

    async fn node_by_id(&self, id: i64) -> Result<Option<Node>> {
        let row =
            sqlx::query(sqlx::AssertSqlSafe(format!("SELECT {NODE_COLS} FROM nodes WHERE id = ? AND trash IS NULL")))
                .bind(id)
                .fetch_optional(&self.pool)
                .await?;
        Ok(row.as_ref().map(row_node))
    }

    async fn listing(&self, drive: &str, path: &str) -> Result<Option<(Node, Vec<Node>)>> {
        // One statement: the item itself and its children, aggregated into
        // one JSON value, so a folder of thousands costs one row to fetch
        // rather than a row (and a thread hand-off in the driver) each.
        let (json,): (String,) = sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "SELECT json_group_array(json_array({NODE_COLS})) FROM (
                SELECT {NODE_COLS} FROM nodes WHERE drive = ? AND path = ? AND trash IS NULL
                UNION ALL
                SELECT {NODE_COLS} FROM nodes WHERE drive = ? AND parent = ? AND trash IS NULL AND path != '/')"
        )))
        .bind(drive)
        .bind(path)
        .bind(drive)
        .bind(path)
        .fetch_one(&self.pool)
        .await?;
        let mut nodes = nodes_from_json(&json)?;
        let Some(pos) = nodes.iter().position(|n| n.path == path) else {
            return Ok(None);
        };
        let me = nodes.swap_remove(pos);
        if !me.dir {
            return Ok(Some((me, Vec::new())));
        }
        nodes.sort_by(|a, b| a.name.cmp(&b.name));
        Ok(Some((me, nodes)))
    }

    async fn subtree(&self, drive: &str, path: &str) -> Result<Vec<Node>> {
        let (lo, hi) = below(path);
        let (json,): (String,) = sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "SELECT json_group_array(json_array({NODE_COLS})) FROM (
                SELECT {NODE_COLS} FROM nodes WHERE drive = ? AND trash IS NULL AND {SUBTREE} ORDER BY path)"
        )))
        .bind(drive)
        .bind(path)
        .bind(&lo)
        .bind(&hi)
        .fetch_one(&self.pool)
        .await?;
        nodes_from_json(&json)
    }

    async fn scan(&self, drive: &str, path: &str) -> Result<Vec<(Node, bool)>> {
        let (lo, hi) = below(path);
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {NODE_COLS}, trash FROM nodes WHERE drive = ? AND {SUBTREE}"
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
        let marks = vec!["?"; ids.len()].join(",");
        let sql = format!("SELECT {NODE_COLS} FROM nodes WHERE trash IS NULL AND id IN ({marks})");
        let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
        for id in ids {
            q = q.bind(id);
        }
        Ok(q.fetch_all(&self.pool).await?.iter().map(row_node).collect())
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
                sqlx::query_as("SELECT id, blob, size, replaced FROM versions WHERE node = ? ORDER BY id DESC")
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
                        "INSERT INTO versions (node, blob, size, etag, modified, author, replaced) VALUES (?, ?, ?, ?, ?, ?, ?)",
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
                    sqlx::query("DELETE FROM versions WHERE id = ?").bind(id).execute(&mut *tx).await?;
                }
                gc(&mut tx, blob, p.now).await?;
            }
            sqlx::query(
                "UPDATE nodes SET size = ?, blob = ?, etag = ?, mime = ?, modified = ?, author = ? WHERE id = ?",
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
                 VALUES (?, ?, ?, ?, 0, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
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
             VALUES (?, ?, ?, ?, 1, ?, 0, ?, ?, ?, ?) RETURNING id",
        )
        .bind(drive)
        .bind(path)
        .bind(parent_of(path))
        .bind(&name)
        .bind(i64::from(level))
        .bind(etag)
        .bind(now)
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
        let ids: Vec<(i64,)> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "SELECT id FROM nodes WHERE drive = ? AND trash IS NULL AND {SUBTREE}"
        )))
        .bind(&t.from_drive)
        .bind(&t.from)
        .bind(&lo)
        .bind(&hi)
        .fetch_all(&mut *tx)
        .await?;
        let name = t.to.rsplit('/').next().unwrap_or_default().to_string();
        let from_len = t.from.chars().count() as i64;
        let level_sql = match t.set_level {
            Some(_) => "?",
            None => "MAX(level, ?)",
        };
        sqlx::query(sqlx::AssertSqlSafe(format!(
            "UPDATE nodes SET drive = ?,
                path = ? || substr(path, ? + 1),
                parent = CASE WHEN id = ? THEN ? ELSE ? || substr(parent, ? + 1) END,
                name = CASE WHEN id = ? THEN ? ELSE name END,
                level = {level_sql}
             WHERE drive = ? AND trash IS NULL AND {SUBTREE}"
        )))
        .bind(&t.to_drive)
        .bind(&t.to)
        .bind(from_len)
        .bind(src.id)
        .bind(parent_of(&t.to))
        .bind(&t.to)
        .bind(from_len)
        .bind(src.id)
        .bind(&name)
        .bind(i64::from(t.set_level.unwrap_or(folder.level)))
        .bind(&t.from_drive)
        .bind(&t.from)
        .bind(&lo)
        .bind(&hi)
        .execute(&mut *tx)
        .await?;
        sqlx::query(sqlx::AssertSqlSafe(format!("DELETE FROM locks WHERE drive = ? AND {SUBTREE}")))
            .bind(&t.from_drive)
            .bind(&t.from)
            .bind(&lo)
            .bind(&hi)
            .execute(&mut *tx)
            .await?;
        if cross {
            for (id,) in &ids {
                sqlx::query("UPDATE shares SET drive = ? WHERE node = ?")
                    .bind(&t.to_drive)
                    .bind(id)
                    .execute(&mut *tx)
                    .await?;
            }
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
            "SELECT {NODE_COLS} FROM nodes WHERE drive = ? AND trash IS NULL AND {SUBTREE} ORDER BY path"
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
                 VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            )
            .bind(&t.to_drive)
            .bind(&path)
            .bind(&parent)
            .bind(&name)
            .bind(n.dir as i64)
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
        let res = sqlx::query("UPDATE nodes SET props = ? WHERE drive = ? AND path = ? AND trash IS NULL")
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
            "UPDATE nodes SET level = MAX(level, ?) WHERE drive = ? AND trash IS NULL AND path >= ? AND path < ?",
        )
        .bind(i64::from(level))
        .bind(drive)
        .bind(&lo)
        .bind(&hi)
        .execute(&mut *tx)
        .await?;
        sqlx::query("UPDATE nodes SET level = ? WHERE id = ?")
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
        let rows = sqlx::query(
            "SELECT id, drive, node, path, dir, size, deleted, by FROM trash WHERE drive = ? ORDER BY deleted DESC",
        )
        .bind(drive)
        .fetch_all(&self.pool)
        .await?;
        Ok(rows.iter().map(row_trash).collect())
    }

    async fn restore(&self, tenant: &str, drive: &str, id: &str, now: i64, audit: Vec<Draft>) -> Result<Outcome<Node>> {
        let mut tx = self.begin_write().await?;
        let Some(entry) =
            sqlx::query("SELECT id, drive, node, path, dir, size, deleted, by FROM trash WHERE id = ? AND drive = ?")
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
        if let Err(e) = parent_folder(&mut tx, drive, &entry.path).await? {
            let _ = e;
            return Ok(Err(DriveConflict::RestoreParent(entry.path.clone())));
        }
        sqlx::query("UPDATE nodes SET trash = NULL WHERE trash = ?").bind(id).execute(&mut *tx).await?;
        sqlx::query("DELETE FROM trash WHERE id = ?").bind(id).execute(&mut *tx).await?;
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
            "SELECT id, node, blob, size, etag, modified, author, replaced FROM versions WHERE node = ? ORDER BY id",
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
             WHERE drive = ? AND seq > ? ORDER BY seq LIMIT ?",
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
             WHERE seq > ? ORDER BY seq LIMIT ?",
        )
        .bind(since)
        .bind(i64::from(limit))
        .fetch_all(&self.pool)
        .await?;
        Ok(rows.iter().map(|r| (r.get("tenant"), row_change(r))).collect())
    }

    async fn tenant_blobs_after(&self, tenant: &str, after: &str, limit: u32) -> Result<Vec<String>> {
        let rows: Vec<(String,)> = sqlx::query_as(
            "SELECT blob FROM (
                 SELECT n.blob AS blob FROM nodes n JOIN drives d ON d.id = n.drive
                  WHERE d.tenant = ? AND n.blob IS NOT NULL
                 UNION
                 SELECT v.blob FROM versions v JOIN nodes n ON n.id = v.node JOIN drives d ON d.id = n.drive
                  WHERE d.tenant = ?)
             WHERE blob > ? ORDER BY blob LIMIT ?",
        )
        .bind(tenant)
        .bind(tenant)
        .bind(after)
        .bind(i64::from(limit))
        .fetch_all(&self.pool)
        .await?;
        Ok(rows.into_iter().map(|r| r.0).collect())
    }

    async fn purge_tenant(&self, tenant: &str, now: i64, audit: Vec<Draft>) -> Result<Vec<suveren_audit::Record>> {
        let mut tx = self.begin_write().await?;
        // Blobs first (while the rows naming them exist), bound with `now`.
        let queue = [
            "INSERT OR IGNORE INTO blob_gc (blob, since)
             SELECT n.blob, ? FROM nodes n
              WHERE n.drive IN (SELECT id FROM drives WHERE tenant = ?) AND n.blob IS NOT NULL",
            "INSERT OR IGNORE INTO blob_gc (blob, since)
             SELECT v.blob, ? FROM versions v JOIN nodes n ON n.id = v.node
              WHERE n.drive IN (SELECT id FROM drives WHERE tenant = ?)",
        ];
        for sql in queue {
            sqlx::query(sql).bind(now).bind(tenant).execute(&mut *tx).await?;
        }
        let steps = [
            "DELETE FROM shares WHERE drive IN (SELECT id FROM drives WHERE tenant = ?)",
            "DELETE FROM locks WHERE drive IN (SELECT id FROM drives WHERE tenant = ?)",
            "DELETE FROM versions WHERE node IN
              (SELECT id FROM nodes WHERE drive IN (SELECT id FROM drives WHERE tenant = ?))",
            "DELETE FROM trash WHERE drive IN (SELECT id FROM drives WHERE tenant = ?)",
            "DELETE FROM nodes WHERE drive IN (SELECT id FROM drives WHERE tenant = ?)",
            "DELETE FROM changes WHERE tenant = ?",
            "DELETE FROM drives WHERE tenant = ?",
            "DELETE FROM objects WHERE tenant = ?",
        ];
        for sql in steps {
            sqlx::query(sql).bind(tenant).execute(&mut *tx).await?;
        }
        let recs = append_audit(&mut tx, audit).await?;
        tx.commit().await?;
        Ok(recs)
    }

    async fn blob_gc_pending(&self, limit: u32) -> Result<Vec<String>> {
        let rows: Vec<(String,)> = sqlx::query_as("SELECT blob FROM blob_gc ORDER BY since LIMIT ?")
            .bind(i64::from(limit))
            .fetch_all(&self.pool)
            .await?;
        Ok(rows.into_iter().map(|r| r.0).collect())
    }

    async fn blob_gc_due(&self, before: i64, limit: u32) -> Result<Vec<String>> {
        let rows: Vec<(String,)> = sqlx::query_as("SELECT blob FROM blob_gc WHERE since <= ? ORDER BY since LIMIT ?")
            .bind(before)
            .bind(i64::from(limit))
            .fetch_all(&self.pool)
            .await?;
        Ok(rows.into_iter().map(|r| r.0).collect())
    }

    async fn blob_gc_take(&self, blob: &str) -> Result<bool> {
        let mut tx = self.begin_write().await?;
        let used: Option<(i64,)> = sqlx::query_as(
            "SELECT 1 FROM nodes WHERE blob = ? UNION ALL SELECT 1 FROM versions WHERE blob = ? LIMIT 1",
        )
        .bind(blob)
        .bind(blob)
        .fetch_optional(&mut *tx)
        .await?;
        sqlx::query("DELETE FROM blob_gc WHERE blob = ?").bind(blob).execute(&mut *tx).await?;
        tx.commit().await?;
        Ok(used.is_some())
    }

    async fn locks(&self, drive: &str) -> Result<Vec<LockRow>> {
        let rows = sqlx::query(
            "SELECT token, drive, path, principal, owner, timeout_at, timeout_s, shared, deep FROM locks WHERE drive = ?",
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
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
             ON CONFLICT (token) DO UPDATE SET timeout_at = excluded.timeout_at, timeout_s = excluded.timeout_s",
        )
        .bind(&l.token)
        .bind(&l.drive)
        .bind(&l.path)
        .bind(&l.principal)
        .bind(&l.owner)
        .bind(l.timeout_at)
        .bind(l.timeout_s.map(|s| s as i64))
        .bind(l.shared as i64)
        .bind(l.deep as i64)
        .execute(&mut *tx)
        .await?;
        tx.commit().await
    }

    async fn delete_lock(&self, token: &str) -> Result<bool> {
        let mut tx = self.begin_write().await?;
        let r = sqlx::query("DELETE FROM locks WHERE token = ?").bind(token).execute(&mut *tx).await?;
        tx.commit().await?;
        Ok(r.rows_affected() > 0)
    }

    async fn expire_locks(&self, now: i64) -> Result<u64> {
        let mut tx = self.begin_write().await?;
        let r = sqlx::query("DELETE FROM locks WHERE timeout_at IS NOT NULL AND timeout_at <= ?")
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
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
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
        let res = sqlx::query("DELETE FROM shares WHERE id = ?").bind(id).execute(&mut *tx).await?;
        if res.rows_affected() == 0 {
            return Ok(Err(DriveConflict::Missing(id.to_string())));
        }
        let recs = append_audit(&mut tx, audit).await?;
        tx.commit().await?;
        Ok(Ok(((), recs)))
    }

    async fn share(&self, id: &str) -> Result<Option<ShareRow>> {
        let r = sqlx::query(
            "SELECT s.*, n.path AS path FROM shares s JOIN nodes n ON n.id = s.node WHERE s.id = ? AND n.trash IS NULL",
        )
        .bind(id)
        .fetch_optional(&self.pool)
        .await?;
        Ok(r.as_ref().map(row_share))
    }

    async fn share_by_token(&self, token_hash: &str) -> Result<Option<ShareRow>> {
        let r = sqlx::query(
            "SELECT s.*, n.path AS path FROM shares s JOIN nodes n ON n.id = s.node WHERE s.token = ? AND n.trash IS NULL",
        )
        .bind(token_hash)
        .fetch_optional(&self.pool)
        .await?;
        Ok(r.as_ref().map(row_share))
    }

    async fn shares_of_drive(&self, drive: &str) -> Result<Vec<ShareRow>> {
        let rows = sqlx::query(
            "SELECT s.*, n.path AS path FROM shares s JOIN nodes n ON n.id = s.node
             WHERE s.drive = ? AND n.trash IS NULL ORDER BY n.path, s.created",
        )
        .bind(drive)
        .fetch_all(&self.pool)
        .await?;
        Ok(rows.iter().map(row_share).collect())
    }

    async fn shares_for(&self, targets: &[(String, String)]) -> Result<Vec<ShareRow>> {
        if targets.is_empty() {
            return Ok(Vec::new());
        }
        let cond = vec!["(s.target_kind = ? AND s.target = ?)"; targets.len()].join(" OR ");
        let sql = format!(
            "SELECT s.*, n.path AS path FROM shares s JOIN nodes n ON n.id = s.node
             WHERE n.trash IS NULL AND ({cond}) ORDER BY s.created"
        );
        let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
        for (k, t) in targets {
            q = q.bind(k).bind(t);
        }
        let rows = q.fetch_all(&self.pool).await?;
        Ok(rows.iter().map(row_share).collect())
    }

    async fn shares_by_creator(&self, principal: &str) -> Result<Vec<ShareRow>> {
        let rows = sqlx::query(
            "SELECT s.*, n.path AS path FROM shares s JOIN nodes n ON n.id = s.node
             WHERE s.created_by = ? AND n.trash IS NULL ORDER BY s.created",
        )
        .bind(principal)
        .fetch_all(&self.pool)
        .await?;
        Ok(rows.iter().map(row_share).collect())
    }
}
