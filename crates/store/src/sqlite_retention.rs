//! Retention, legal hold and erasure on SQLite (see [`crate::retention`]).

use async_trait::async_trait;
use sqlx::Row;
use suveren_audit::Record;

use crate::drive::{Node, ShareRow, TrashEntry, Version};
use crate::retention::{hold_fingerprint, Removal, Removed, RetentionStore, HOLD_KIND};
use crate::sqlite::{append_audit, SqliteStore};
use crate::sqlite_drive::{add_used, change, gc, purge_in, row_node, row_trash, trash_in, NODE_COLS};
use crate::Result;

fn row_version(r: &sqlx::sqlite::SqliteRow) -> Version {
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
impl RetentionStore for SqliteStore {
    async fn retention_cursor(&self, name: &str) -> Result<Option<String>> {
        let r: Option<(String,)> = sqlx::query_as("SELECT position FROM retention_cursor WHERE name = ?")
            .bind(name)
            .fetch_optional(&self.pool)
            .await?;
        Ok(r.map(|r| r.0))
    }

    async fn trash_page(&self, after: i64, limit: u32) -> Result<Vec<(i64, String, TrashEntry)>> {
        let rows = sqlx::query(
            "SELECT t.rowid AS rid, d.tenant AS tenant, t.id, t.drive, t.node, t.path, t.dir, t.size, t.deleted, t.by
             FROM trash t JOIN drives d ON d.id = t.drive WHERE t.rowid > ? ORDER BY t.rowid LIMIT ?",
        )
        .bind(after)
        .bind(i64::from(limit))
        .fetch_all(&self.pool)
        .await?;
        Ok(rows.iter().map(|r| (r.get("rid"), r.get("tenant"), row_trash(r))).collect())
    }

    async fn trash_nodes(&self, trash_id: &str) -> Result<Vec<Node>> {
        let rows =
            sqlx::query(sqlx::AssertSqlSafe(format!("SELECT {NODE_COLS} FROM nodes WHERE trash = ? ORDER BY path")))
                .bind(trash_id)
                .fetch_all(&self.pool)
                .await?;
        Ok(rows.iter().map(row_node).collect())
    }

    async fn versions_page(&self, after: i64, limit: u32) -> Result<Vec<(Version, Node)>> {
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {VERSION_COLS}, {} FROM versions v JOIN nodes n ON n.id = v.node
             WHERE v.id > ? AND n.trash IS NULL ORDER BY v.id LIMIT ?",
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
            "SELECT {NODE_COLS} FROM nodes WHERE id > ? AND dir = 0 AND trash IS NULL ORDER BY id LIMIT ?"
        )))
        .bind(after)
        .bind(i64::from(limit))
        .fetch_all(&self.pool)
        .await?;
        Ok(rows.iter().map(row_node).collect())
    }

    async fn drive_nodes(&self, drive: &str) -> Result<Vec<(Node, Option<String>)>> {
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {NODE_COLS}, trash FROM nodes WHERE drive = ? ORDER BY path"
        )))
        .bind(drive)
        .fetch_all(&self.pool)
        .await?;
        Ok(rows.iter().map(|r| (row_node(r), r.get("trash"))).collect())
    }

    async fn drive_versions(&self, drive: &str) -> Result<Vec<Version>> {
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {VERSION_COLS} FROM versions v JOIN nodes n ON n.id = v.node WHERE n.drive = ? ORDER BY v.id"
        )))
        .bind(drive)
        .fetch_all(&self.pool)
        .await?;
        Ok(rows.iter().map(row_version).collect())
    }

    async fn shares_targeting(&self, principal: &str) -> Result<Vec<ShareRow>> {
        let rows = sqlx::query(
            "SELECT s.*, n.path AS path FROM shares s JOIN nodes n ON n.id = s.node
             WHERE s.target_kind = 'principal' AND s.target = ? ORDER BY s.created",
        )
        .bind(principal)
        .fetch_all(&self.pool)
        .await?;
        Ok(rows
            .iter()
            .map(|r| ShareRow {
                id: r.get("id"),
                tenant: r.get("tenant"),
                drive: r.get("drive"),
                node: r.get("node"),
                path: r.get("path"),
                target_kind: r.get("target_kind"),
                target: r.get("target"),
                role: r.get("role"),
                created_by: r.get("created_by"),
                created: r.get("created"),
                expires: r.get("expires"),
                password: r.get("password"),
                token: r.get("token"),
            })
            .collect())
    }

    async fn forget_changes(&self, drive: &str, upto: i64) -> Result<u64> {
        let mut tx = self.begin_write().await?;
        let r = sqlx::query("DELETE FROM changes WHERE drive = ? AND seq <= ?")
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
                sqlx::query_as("SELECT key, body FROM objects WHERE kind = ? AND tenant = ? ORDER BY key")
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
            let (size,): (i64,) = sqlx::query_as(
                "SELECT COALESCE((SELECT SUM(size) FROM nodes WHERE trash = ? AND blob IS NOT NULL), 0)
                      + COALESCE((SELECT SUM(v.size) FROM versions v JOIN nodes n ON n.id = v.node WHERE n.trash = ?), 0)",
            )
            .bind(id)
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
                "SELECT v.blob, v.size, n.drive FROM versions v JOIN nodes n ON n.id = v.node WHERE v.id = ?",
            )
            .bind(id)
            .fetch_optional(&mut *tx)
            .await?;
            let Some((blob, size, drive)) = v else { continue };
            sqlx::query("DELETE FROM versions WHERE id = ?").bind(id).execute(&mut *tx).await?;
            gc(&mut tx, &blob, r.now).await?;
            add_used(&mut tx, &drive, -size).await?;
            out.versions += 1;
            out.bytes += size.max(0) as u64;
        }
        for (tenant, drive, node, trash_id, by) in &r.expire {
            let n = sqlx::query(sqlx::AssertSqlSafe(format!(
                "SELECT {NODE_COLS} FROM nodes WHERE id = ? AND drive = ? AND trash IS NULL"
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
            let n = sqlx::query(sqlx::AssertSqlSafe(format!("SELECT {NODE_COLS}, trash FROM nodes WHERE id = ?")))
                .bind(id)
                .fetch_optional(&mut *tx)
                .await?;
            let Some(row) = n else { continue };
            let node = row_node(&row);
            let trashed: Option<String> = row.get("trash");
            let blobs: Vec<(String, i64)> = sqlx::query_as(
                "SELECT blob, size FROM nodes WHERE id = ? AND blob IS NOT NULL
                 UNION ALL SELECT blob, size FROM versions WHERE node = ?",
            )
            .bind(id)
            .bind(id)
            .fetch_all(&mut *tx)
            .await?;
            let mut bytes = 0i64;
            for (b, size) in &blobs {
                bytes += size;
                gc(&mut tx, b, r.now).await?;
            }
            sqlx::query("DELETE FROM versions WHERE node = ?").bind(id).execute(&mut *tx).await?;
            let s = sqlx::query("DELETE FROM shares WHERE node = ?").bind(id).execute(&mut *tx).await?;
            out.shares += s.rows_affected();
            sqlx::query("DELETE FROM locks WHERE drive = ? AND path = ?")
                .bind(&node.drive)
                .bind(&node.path)
                .execute(&mut *tx)
                .await?;
            sqlx::query("DELETE FROM nodes WHERE id = ?").bind(id).execute(&mut *tx).await?;
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
            let s = sqlx::query("DELETE FROM shares WHERE id = ?").bind(id).execute(&mut *tx).await?;
            out.shares += s.rows_affected();
        }
        for (tenant, drive) in &r.tidy {
            // Folders with nothing left below them, deepest first, then
            // trash entries whose nodes are all gone.
            loop {
                let empty: Vec<(i64, String, Option<String>)> = sqlx::query_as(
                    "SELECT id, path, trash FROM nodes WHERE drive = ? AND dir = 1 AND path != '/'
                     AND NOT EXISTS (SELECT 1 FROM nodes c WHERE c.drive = nodes.drive AND c.parent = nodes.path
                                     AND c.trash IS nodes.trash)",
                )
                .bind(drive)
                .fetch_all(&mut *tx)
                .await?;
                if empty.is_empty() {
                    break;
                }
                for (id, path, trash) in &empty {
                    sqlx::query("DELETE FROM shares WHERE node = ?").bind(id).execute(&mut *tx).await?;
                    sqlx::query("DELETE FROM nodes WHERE id = ?").bind(id).execute(&mut *tx).await?;
                    if trash.is_none() {
                        change(&mut tx, tenant, drive, Some(*id), "delete", path, None, true, r.now).await?;
                    }
                    out.erased += 1;
                }
            }
            sqlx::query(
                "DELETE FROM trash WHERE drive = ? AND NOT EXISTS (SELECT 1 FROM nodes WHERE trash = trash.id)",
            )
            .bind(drive)
            .execute(&mut *tx)
            .await?;
            let (left,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM nodes WHERE drive = ? AND path != '/'")
                .bind(drive)
                .fetch_one(&mut *tx)
                .await?;
            if left == 0 {
                sqlx::query("DELETE FROM shares WHERE drive = ?").bind(drive).execute(&mut *tx).await?;
                sqlx::query("DELETE FROM locks WHERE drive = ?").bind(drive).execute(&mut *tx).await?;
                sqlx::query("DELETE FROM trash WHERE drive = ?").bind(drive).execute(&mut *tx).await?;
                sqlx::query("DELETE FROM nodes WHERE drive = ?").bind(drive).execute(&mut *tx).await?;
                sqlx::query("DELETE FROM drives WHERE id = ?").bind(drive).execute(&mut *tx).await?;
                out.drives.push(drive.clone());
            }
        }
        match &r.cursor {
            Some((name, Some(pos))) => {
                sqlx::query(
                    "INSERT INTO retention_cursor (name, position) VALUES (?, ?)
                     ON CONFLICT (name) DO UPDATE SET position = excluded.position",
                )
                .bind(name)
                .bind(pos)
                .execute(&mut *tx)
                .await?;
            }
            Some((name, None)) => {
                sqlx::query("DELETE FROM retention_cursor WHERE name = ?").bind(name).execute(&mut *tx).await?;
            }
            None => {}
        }
        let recs = append_audit(&mut tx, r.audit).await?;
        tx.commit().await?;
        Ok(Some((out, recs)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Batch, Op, Store};

    #[tokio::test]
    async fn a_hold_placed_after_planning_rolls_the_batch_back() {
        let dir = tempfile::tempdir().unwrap();
        let s = SqliteStore::open(&dir.path().join("meta.db")).await.unwrap();
        let planned = hold_fingerprint(&[]);
        let cursor = |pos: &str| Some(("retention".to_string(), Some(pos.to_string())));
        let r = Removal { holds: vec![("t".into(), planned.clone())], cursor: cursor("a"), ..Default::default() };
        assert!(s.apply_removal(r).await.unwrap().is_some());
        assert_eq!(s.retention_cursor("retention").await.unwrap().as_deref(), Some("a"));
        // A hold appears between planning and applying.
        s.commit(Batch::new().op(Op::insert(HOLD_KIND, "h1", "t", None, &"held"))).await.unwrap();
        let r = Removal { holds: vec![("t".into(), planned)], cursor: cursor("b"), ..Default::default() };
        assert!(s.apply_removal(r).await.unwrap().is_none(), "planned without the hold: refused");
        assert_eq!(s.retention_cursor("retention").await.unwrap().as_deref(), Some("a"), "nothing moved");
        // Another tenant's hold is none of this batch's business.
        let r = Removal { holds: vec![("u".into(), hold_fingerprint(&[]))], cursor: cursor("c"), ..Default::default() };
        assert!(s.apply_removal(r).await.unwrap().is_some());
    }
}
