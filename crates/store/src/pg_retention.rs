//! Retention, legal hold and erasure on PostgreSQL (see [`crate::retention`]):
//! the SQLite backend's batch, statement for statement. The hold check at
//! the start of a batch runs under the write lock, so a hold placed on any
//! node either committed before it (and the batch is refused) or waits for
//! it.

use async_trait::async_trait;
use sqlx::postgres::PgRow;
use sqlx::Row;
use suveren_audit::Record;

use crate::drive::{Node, ShareRow, TrashEntry, Version};
use crate::pg_drive::{add_used, change, gc, purge_in, row_node, row_share, row_trash, trash_in, NODE_COLS};
use crate::postgres::{append_audit, PgStore};
use crate::retention::{hold_fingerprint, Removal, Removed, RetentionStore, HOLD_KIND};
use crate::Result;

fn row_version(r: &PgRow) -> Version {
    Version {
        id: r.get("vid"),
        node: r.get("vnode"),
        blob: r.get("vblob"),
        size: r.get::<i64, _>("vsize").max(0) as u64,
        etag: r.get("vetag"),
        modified: r.get("vmodified"),
        author: r.get("vauthor"),
        replaced: r.get("vreplaced"),
    }
}

const VERSION_COLS: &str = "v.id AS vid, v.node AS vnode, v.blob AS vblob, v.size AS vsize, v.etag AS vetag,
     v.modified AS vmodified, v.author AS vauthor, v.replaced AS vreplaced";

/// Node columns of `nodes n`.
fn node_cols() -> String {
    NODE_COLS.split(", ").map(|c| format!("n.{c}")).collect::<Vec<_>>().join(", ")
}

#[async_trait]
impl RetentionStore for PgStore {
    async fn retention_cursor(&self, name: &str) -> Result<Option<String>> {
        let r: Option<String> = sqlx::query_scalar("SELECT position FROM retention_cursor WHERE name = $1")
            .bind(name)
            .fetch_optional(&self.pool)
            .await?;
        Ok(r)
    }

    async fn trash_page(&self, after: i64, limit: u32) -> Result<Vec<(i64, String, TrashEntry)>> {
        let rows = sqlx::query(
            r#"SELECT t.rid AS rid, d.tenant AS tenant, t.id, t.drive, t.node, t.path, t.dir, t.size, t.deleted, t."by"
             FROM trash t JOIN drives d ON d.id = t.drive WHERE t.rid > $1 ORDER BY t.rid LIMIT $2"#,
        )
        .bind(after)
        .bind(i64::from(limit))
        .fetch_all(&self.pool)
        .await?;
        Ok(rows.iter().map(|r| (r.get("rid"), r.get("tenant"), row_trash(r))).collect())
    }

    async fn trash_nodes(&self, trash_id: &str) -> Result<Vec<Node>> {
        let rows =
            sqlx::query(sqlx::AssertSqlSafe(format!("SELECT {NODE_COLS} FROM nodes WHERE trash = $1 ORDER BY path")))
                .bind(trash_id)
                .fetch_all(&self.pool)
                .await?;
        Ok(rows.iter().map(row_node).collect())
    }

    async fn versions_page(&self, after: i64, limit: u32) -> Result<Vec<(Version, Node)>> {
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {VERSION_COLS}, {} FROM versions v JOIN nodes n ON n.id = v.node
             WHERE v.id > $1 AND n.trash IS NULL ORDER BY v.id LIMIT $2",
            node_cols()
        )))
        .bind(after)
        .bind(i64::from(limit))
        .fetch_all(&self.pool)
        .await?;
        Ok(rows.iter().map(|r| (row_version(r), row_node(r))).collect())
    }

    async fn files_page(&self, after: i64, limit: u32) -> Result<Vec<Node>> {
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {NODE_COLS} FROM nodes WHERE id > $1 AND NOT dir AND trash IS NULL ORDER BY id LIMIT $2"
        )))
        .bind(after)
        .bind(i64::from(limit))
        .fetch_all(&self.pool)
        .await?;
        Ok(rows.iter().map(row_node).collect())
    }

    async fn drive_nodes(&self, drive: &str) -> Result<Vec<(Node, Option<String>)>> {
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {NODE_COLS}, trash FROM nodes WHERE drive = $1 ORDER BY path"
        )))
        .bind(drive)
        .fetch_all(&self.pool)
        .await?;
        Ok(rows.iter().map(|r| (row_node(r), r.get("trash"))).collect())
    }

    async fn drive_versions(&self, drive: &str) -> Result<Vec<Version>> {
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {VERSION_COLS} FROM versions v JOIN nodes n ON n.id = v.node WHERE n.drive = $1 ORDER BY v.id"
        )))
        .bind(drive)
        .fetch_all(&self.pool)
        .await?;
        Ok(rows.iter().map(row_version).collect())
    }

    async fn shares_targeting(&self, principal: &str) -> Result<Vec<ShareRow>> {
        let rows = sqlx::query(
            "SELECT s.id, s.tenant, s.drive, s.node, s.target_kind, s.target, s.role, s.created_by, s.created,
                    s.expires, s.password, s.token, n.path AS path
             FROM shares s JOIN nodes n ON n.id = s.node
             WHERE s.target_kind = 'principal' AND s.target = $1 ORDER BY s.created",
        )
        .bind(principal)
        .fetch_all(&self.pool)
        .await?;
        Ok(rows.iter().map(row_share).collect())
    }

    async fn forget_changes(&self, drive: &str, upto: i64) -> Result<u64> {
        let mut tx = self.begin_write().await?;
        let r = sqlx::query("DELETE FROM changes WHERE drive = $1 AND seq <= $2")
            .bind(drive)
            .bind(upto)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(r.rows_affected())
    }

    async fn apply_removal(&self, r: Removal) -> Result<Option<(Removed, Vec<Record>)>> {
        let mut tx = self.begin_write().await?;
        for (tenant, expected) in &r.holds {
            let docs: Vec<(String, String)> =
                sqlx::query_as("SELECT key, body FROM objects WHERE kind = $1 AND tenant = $2 ORDER BY key")
                    .bind(HOLD_KIND)
                    .bind(tenant)
                    .fetch_all(&mut *tx)
                    .await?;
            if hold_fingerprint(&docs) != *expected {
                // Dropping the write rolls it back.
                return Ok(None);
            }
        }
        let mut out = Removed::default();
        for (drive, id) in &r.purge {
            let size: i64 = sqlx::query_scalar(
                "SELECT COALESCE((SELECT SUM(size) FROM nodes WHERE trash = $1 AND blob IS NOT NULL), 0)::BIGINT
                      + COALESCE((SELECT SUM(v.size) FROM versions v JOIN nodes n ON n.id = v.node
                                   WHERE n.trash = $1), 0)::BIGINT",
            )
            .bind(id)
            .fetch_one(&mut *tx)
            .await?;
            if purge_in(&mut tx, drive, id, r.now).await? {
                out.purged += 1;
                out.bytes += size.max(0) as u64;
            }
        }
        for id in &r.versions {
            let v: Option<(String, i64, String)> = sqlx::query_as(
                "SELECT v.blob, v.size, n.drive FROM versions v JOIN nodes n ON n.id = v.node WHERE v.id = $1",
            )
            .bind(id)
            .fetch_optional(&mut *tx)
            .await?;
            let Some((blob, size, drive)) = v else { continue };
            sqlx::query("DELETE FROM versions WHERE id = $1").bind(id).execute(&mut *tx).await?;
            gc(&mut tx, &blob, r.now).await?;
            add_used(&mut tx, &drive, -size).await?;
            out.versions += 1;
            out.bytes += size.max(0) as u64;
        }
        for (tenant, drive, node, trash_id, by) in &r.expire {
            let n = sqlx::query(sqlx::AssertSqlSafe(format!(
                "SELECT {NODE_COLS} FROM nodes WHERE id = $1 AND drive = $2 AND trash IS NULL"
            )))
            .bind(node)
            .bind(drive)
            .fetch_optional(&mut *tx)
            .await?;
            let Some(n) = n.as_ref().map(row_node) else { continue };
            trash_in(&mut tx, tenant, drive, &n, trash_id, r.now, by).await?;
            out.expired += 1;
        }
        for (tenant, id) in &r.erase {
            let n = sqlx::query(sqlx::AssertSqlSafe(format!("SELECT {NODE_COLS}, trash FROM nodes WHERE id = $1")))
                .bind(id)
                .fetch_optional(&mut *tx)
                .await?;
            let Some(row) = n else { continue };
            let node = row_node(&row);
            let trashed: Option<String> = row.get("trash");
            let blobs: Vec<(String, i64)> = sqlx::query_as(
                "SELECT blob, size FROM nodes WHERE id = $1 AND blob IS NOT NULL
                 UNION ALL SELECT blob, size FROM versions WHERE node = $1",
            )
            .bind(id)
            .fetch_all(&mut *tx)
            .await?;
            let mut bytes = 0i64;
            for (b, size) in &blobs {
                bytes += size;
                gc(&mut tx, b, r.now).await?;
            }
            sqlx::query("DELETE FROM versions WHERE node = $1").bind(id).execute(&mut *tx).await?;
            let s = sqlx::query("DELETE FROM shares WHERE node = $1").bind(id).execute(&mut *tx).await?;
            out.shares += s.rows_affected();
            sqlx::query("DELETE FROM locks WHERE drive = $1 AND path = $2")
                .bind(&node.drive)
                .bind(&node.path)
                .execute(&mut *tx)
                .await?;
            sqlx::query("DELETE FROM nodes WHERE id = $1").bind(id).execute(&mut *tx).await?;
            add_used(&mut tx, &node.drive, -bytes).await?;
            if trashed.is_none() {
                // The search index forgets it through the change feed.
                change(&mut tx, tenant, &node.drive, Some(node.id), "delete", &node.path, None, node.dir, r.now)
                    .await?;
            }
            out.erased += 1;
            out.bytes += bytes.max(0) as u64;
        }
        for id in &r.shares {
            let s = sqlx::query("DELETE FROM shares WHERE id = $1").bind(id).execute(&mut *tx).await?;
            out.shares += s.rows_affected();
        }
        for (tenant, drive) in &r.tidy {
            // Folders with nothing left below them, deepest first, then
            // trash entries whose nodes are all gone.
            loop {
                let empty: Vec<(i64, String, Option<String>)> = sqlx::query_as(
                    "SELECT id, path, trash FROM nodes p WHERE drive = $1 AND dir AND path <> '/'
                     AND NOT EXISTS (SELECT 1 FROM nodes c WHERE c.drive = p.drive AND c.parent = p.path
                                     AND c.trash IS NOT DISTINCT FROM p.trash)",
                )
                .bind(drive)
                .fetch_all(&mut *tx)
                .await?;
                if empty.is_empty() {
                    break;
                }
                for (id, path, trash) in &empty {
                    sqlx::query("DELETE FROM shares WHERE node = $1").bind(id).execute(&mut *tx).await?;
                    sqlx::query("DELETE FROM nodes WHERE id = $1").bind(id).execute(&mut *tx).await?;
                    if trash.is_none() {
                        change(&mut tx, tenant, drive, Some(*id), "delete", path, None, true, r.now).await?;
                    }
                    out.erased += 1;
                }
            }
            sqlx::query(
                "DELETE FROM trash t WHERE t.drive = $1 AND NOT EXISTS (SELECT 1 FROM nodes n WHERE n.trash = t.id)",
            )
            .bind(drive)
            .execute(&mut *tx)
            .await?;
            let left: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM nodes WHERE drive = $1 AND path <> '/'")
                .bind(drive)
                .fetch_one(&mut *tx)
                .await?;
            if left == 0 {
                sqlx::query("DELETE FROM shares WHERE drive = $1").bind(drive).execute(&mut *tx).await?;
                sqlx::query("DELETE FROM locks WHERE drive = $1").bind(drive).execute(&mut *tx).await?;
                sqlx::query("DELETE FROM trash WHERE drive = $1").bind(drive).execute(&mut *tx).await?;
                sqlx::query("DELETE FROM nodes WHERE drive = $1").bind(drive).execute(&mut *tx).await?;
                sqlx::query("DELETE FROM drives WHERE id = $1").bind(drive).execute(&mut *tx).await?;
                out.drives.push(drive.clone());
            }
        }
        match &r.cursor {
            Some((name, Some(pos))) => {
                sqlx::query(
                    "INSERT INTO retention_cursor (name, position) VALUES ($1, $2)
                     ON CONFLICT (name) DO UPDATE SET position = excluded.position",
                )
                .bind(name)
                .bind(pos)
                .execute(&mut *tx)
                .await?;
            }
            Some((name, None)) => {
                sqlx::query("DELETE FROM retention_cursor WHERE name = $1").bind(name).execute(&mut *tx).await?;
            }
            None => {}
        }
        let recs = append_audit(&mut tx, r.audit).await?;
        tx.commit().await?;
        Ok(Some((out, recs)))
    }
}
