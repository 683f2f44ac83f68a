//! File-name search (tantivy, `suveren-index`). The index is derived from
//! the change feed: it remembers the last change it applied and catches up
//! from there, so it survives crashes and can always be rebuilt. A search
//! catches up first (usually one empty query), so a user finds what they
//! just uploaded.

use std::sync::Arc;

use suveren_index::{Entry, FileIndex, IndexOp, Scope};
use suveren_policy::Action;
use suveren_store::drive::Node;

use super::{share, Place, Standing};
use crate::{App, Ctx, Result, ServiceError};

/// One search result, as the API shows it.
#[derive(Debug, Clone, serde::Serialize)]
pub struct FileHit {
    pub drive: String,
    pub drive_name: String,
    pub id: i64,
    pub path: String,
    pub name: String,
    pub dir: bool,
    pub level: u8,
    pub size: u64,
    pub modified: i64,
    pub mime: Option<String>,
}

pub(crate) fn open(data_dir: &std::path::Path) -> Result<Arc<FileIndex>> {
    let dir = data_dir.join("index");
    std::fs::create_dir_all(&dir).map_err(suveren_store::StoreError::from)?;
    FileIndex::open(&dir).map(Arc::new).map_err(|e| ServiceError::Internal(format!("search index: {e}")))
}

fn entry(tenant: &str, n: &Node) -> Entry {
    Entry {
        tenant: tenant.to_string(),
        drive: n.drive.clone(),
        node: n.id.to_string(),
        path: n.path.clone(),
        name: if n.path == "/" { String::new() } else { n.name.clone() },
        dir: n.dir,
        mime: n.mime.clone(),
        modified_unix: n.modified / 1000,
        size: n.size,
    }
}

impl App {
    /// Applies the change feed to the index up to now.
    pub async fn index_catch_up(&self) -> Result<u64> {
        let Some(index) = self.drive.index.clone() else { return Ok(0) };
        let _one = self.drive.indexing.lock().await;
        let mut applied = 0;
        loop {
            let since = index.applied_seq() as i64;
            let batch = self.store.changes_all(since, 500).await?;
            let Some(last) = batch.last().map(|(_, c)| c.seq) else { break };
            let mut ops = Vec::new();
            for (tenant, c) in &batch {
                let mut paths = vec![c.path.clone()];
                paths.extend(c.from_path.clone());
                for p in paths {
                    for (n, live) in self.store.scan(&c.drive, &p).await? {
                        if n.path == "/" {
                            continue;
                        }
                        ops.push(if live {
                            IndexOp::Upsert(entry(tenant, &n))
                        } else {
                            IndexOp::Delete { tenant: tenant.clone(), node: n.id.to_string() }
                        });
                    }
                }
                if c.kind == "delete" {
                    if let Some(id) = c.node {
                        // A node moved to another drive: its old entry goes.
                        if self.store.node_by_id(id).await?.is_none() {
                            ops.push(IndexOp::Delete { tenant: tenant.clone(), node: id.to_string() });
                        }
                    }
                }
            }
            let idx = index.clone();
            tokio::task::spawn_blocking(move || idx.apply(&ops, last as u64))
                .await
                .map_err(|e| ServiceError::Internal(e.to_string()))?
                .map_err(|e| ServiceError::Internal(format!("search index: {e}")))?;
            applied += batch.len() as u64;
        }
        Ok(applied)
    }

    /// Searches file and folder names and paths in everything the caller may
    /// read: their drives (as far as the level allows them) and what was
    /// shared with them. The scopes go into the query, so the limit is
    /// filled with permitted hits only.
    pub async fn search_files(&self, ctx: &Ctx, q: &str, limit: usize) -> Result<Vec<FileHit>> {
        let me = Self::me(ctx)?.clone();
        let Some(index) = self.drive.index.clone() else { return Ok(Vec::new()) };
        self.index_catch_up().await?;
        let snap = self.snapshot();
        let mut scopes = Vec::new();
        let mut places: std::collections::HashMap<String, (Place, Standing)> = Default::default();
        for (d, role) in self.my_drives(ctx).await? {
            let place = Place { drive: d.clone(), role: Some(role) };
            let st = Standing { access: Some(role), shared_by: None };
            if self.may(&snap, ctx, Action::ContentList, &place, "/", d.level, &st) {
                scopes.push(Scope::drive(d.id.clone()));
                places.insert(d.id.clone(), (place, st));
            }
        }
        let mut targets = vec![("principal".to_string(), me.id.clone())];
        targets.extend(me.groups.iter().map(|g| ("group".to_string(), g.clone())));
        let now = super::now_ms();
        for s in self.store.shares_for(&targets).await? {
            if s.expires.is_some_and(|e| e <= now) || places.contains_key(&s.drive) {
                continue;
            }
            let Some(d) = self.drive.get(&s.drive) else { continue };
            let place = Place { drive: d.clone(), role: None };
            let st = Standing { access: share::parse_role(&s.role), shared_by: Some(s.created_by.clone()) };
            let level = self.store.node_by_id(s.node).await?.map(|n| n.level).unwrap_or(d.level);
            if self.may(&snap, ctx, Action::ContentList, &place, &s.path, level, &st) {
                scopes.push(Scope::subtree(d.id.clone(), s.path.clone()));
                places.entry(d.id.clone()).or_insert((place, st));
            }
        }
        if scopes.is_empty() {
            return Ok(Vec::new());
        }
        let limit = limit.clamp(1, 100);
        let (idx, tenant, query, sc) = (index.clone(), me.tenant.clone(), q.to_string(), scopes.clone());
        // Ask for more than needed: items raised above their folder's level
        // are checked one by one below.
        let hits = tokio::task::spawn_blocking(move || idx.search(&tenant, &query, &sc, limit * 2))
            .await
            .map_err(|e| ServiceError::Internal(e.to_string()))?
            .map_err(|e| ServiceError::Internal(format!("search index: {e}")))?;
        let ids: Vec<i64> = hits.iter().filter_map(|h| h.node.parse().ok()).collect();
        let nodes: std::collections::HashMap<i64, Node> =
            self.store.nodes_by_ids(&ids).await?.into_iter().map(|n| (n.id, n)).collect();
        let mut out = Vec::new();
        for h in hits {
            let Some(n) = h.node.parse().ok().and_then(|id: i64| nodes.get(&id)) else { continue };
            let Some((place, st)) = places.get(&n.drive) else { continue };
            if n.level > place.drive.level && !self.may(&snap, ctx, Action::ContentList, place, &n.path, n.level, st) {
                continue;
            }
            out.push(FileHit {
                drive: n.drive.clone(),
                drive_name: place.drive.name.clone(),
                id: n.id,
                path: n.path.clone(),
                name: n.name.clone(),
                dir: n.dir,
                level: n.level,
                size: n.size,
                modified: n.modified,
                mime: n.mime.clone(),
            });
            if out.len() == limit {
                break;
            }
        }
        Ok(out)
    }
}

/// Background upkeep of the drive: keeps the search index in step, deletes
/// unreferenced blobs and expired WebDAV locks. Safe to run on every node:
/// each step re-checks the database.
pub fn spawn_upkeep(app: Arc<App>) -> tokio::task::JoinHandle<()> {
    // Retention runs hourly in its own task: a long pass must not hold up
    // the index.
    crate::retention::spawn(app.clone());
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(std::time::Duration::from_secs(2));
        let mut n: u64 = 0;
        loop {
            tick.tick().await;
            // Every node keeps its own search index.
            if let Err(e) = app.index_catch_up().await {
                tracing::warn!(error = %e, "search index catch-up");
            }
            // The rest touches shared blobs and rows: one node at a time.
            if app.job_turn(crate::installation::Job::Upkeep, std::time::Duration::from_secs(30)).await {
                // Online KEK rotations (crate::keys): one batch per tenant a tick.
                if let Err(e) = app.rotate_keys_step(crate::keys::ROTATION_BATCH).await {
                    tracing::warn!(error = %e, "rotating tenant keys");
                }
                if n.is_multiple_of(30) {
                    let swept = app.sweep_blobs().await;
                    if swept > 0 {
                        tracing::info!(swept, "deleted unreferenced blobs");
                    }
                    if let Err(e) = app.expire_uploads().await {
                        tracing::warn!(error = %e, "expiring uploads");
                    }
                    if let Err(e) = app.store.expire_locks(super::now_ms()).await {
                        tracing::warn!(error = %e, "expiring locks");
                    }
                    if let Err(e) = app.expire_link_unlocks().await {
                        tracing::warn!(error = %e, "expiring link unlocks");
                    }
                }
            }
            app.beats().beat(crate::installation::Job::Upkeep);
            n += 1;
        }
    })
}
