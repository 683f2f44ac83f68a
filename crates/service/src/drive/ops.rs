//! File operations: each gates the caller, then commits the change with its
//! allow record in one store transaction.

use suveren_blob::PlaintextStream;
use suveren_policy::Action;
use suveren_store::drive::{
    parent_of, Change, DriveConflict, Expect, Node, PutFile, Transfer, TrashEntry, Version, VersionPolicy,
};
use tokio::io::AsyncRead;

use super::{clean_path, conflict, now_ms, Place, Standing};
use crate::{App, Ctx, Result, ServiceError};

/// Options of a write (PUT / upload).
#[derive(Debug, Clone, Default)]
pub struct WriteOpts {
    pub expect: Expect,
    /// The client's Content-Type, if it said something more useful than
    /// `application/octet-stream`.
    pub mime: Option<String>,
    /// The announced length: a body that ends early is refused, not stored.
    pub size: Option<u64>,
    /// Client-supplied modification time (unix ms), e.g. rclone's `X-OC-Mtime`.
    pub modified: Option<i64>,
}

#[derive(Debug, Clone)]
pub struct WriteResult {
    pub node: Node,
    pub created: bool,
}

pub struct ReadResult {
    pub node: Node,
    /// Only the requested range, decrypted chunk by chunk.
    pub body: PlaintextStream,
    pub offset: u64,
    pub len: u64,
}

#[derive(Debug, Clone, Copy, Default)]
pub struct TransferOpts {
    pub copy: bool,
    pub overwrite: bool,
    /// The caller explicitly asks to lower the level to the destination's.
    pub declassify: bool,
}

fn mime_for(path: &str, given: Option<&str>) -> Option<String> {
    match given {
        Some(m) if !m.is_empty() && m != "application/octet-stream" && m.len() < 128 => Some(m.to_string()),
        _ => mime_guess::from_path(path).first_raw().map(str::to_string),
    }
}

/// A blob key in the tenant's namespace.
pub(crate) fn blob_key(tenant: &str) -> String {
    let seg: String = if tenant.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-') {
        tenant.to_string()
    } else {
        hex::encode(tenant)
    };
    let id = crate::new_id();
    format!("t/{seg}/{}/{id}", &id[..2])
}

impl App {
    pub(crate) async fn node_or_parent(&self, place: &Place, path: &str) -> Result<(Option<Node>, u8)> {
        if let Some(n) = self.store.node(&place.drive.id, path).await? {
            let level = n.level;
            return Ok((Some(n), level));
        }
        let level = match self.store.node(&place.drive.id, parent_of(path)).await? {
            Some(p) => p.level,
            None => place.drive.level,
        };
        Ok((None, level))
    }

    /// Metadata of one item (PROPFIND depth 0, HEAD). Listings by members are
    /// not recorded; under a lockbox grant they are.
    pub async fn stat(&self, ctx: &Ctx, place: &Place, path: &str) -> Result<Node> {
        let path = clean_path(path)?;
        let node = self.store.node(&place.drive.id, &path).await?;
        let level = node.as_ref().map(|n| n.level).unwrap_or(place.drive.level);
        let standing = self.standing(ctx, place, &path).await?;
        let permit = self.gate_content(ctx, Action::ContentList, place, &path, level, &standing).await?;
        let node = node.ok_or(ServiceError::NotFound)?;
        if permit.acting_under.is_some() {
            self.record_allow(ctx, &permit, &place.drive.tenant).await?;
        }
        Ok(node)
    }

    /// A folder and its children in one database round trip; children the
    /// caller may not see (a raised level without the needed second factor)
    /// are left out.
    pub async fn list(&self, ctx: &Ctx, place: &Place, path: &str) -> Result<(Node, Vec<Node>)> {
        let path = clean_path(path)?;
        let found = self.store.listing(&place.drive.id, &path).await?;
        let level = found.as_ref().map(|(n, _)| n.level).unwrap_or(place.drive.level);
        let standing = self.standing(ctx, place, &path).await?;
        let permit = self.gate_content(ctx, Action::ContentList, place, &path, level, &standing).await?;
        let (me, mut children) = found.ok_or(ServiceError::NotFound)?;
        if children.iter().any(|c| c.level > me.level) {
            let snap = self.snapshot();
            children.retain(|c| {
                c.level <= me.level || self.may(&snap, ctx, Action::ContentList, place, &c.path, c.level, &standing)
            });
        }
        if permit.acting_under.is_some() {
            self.record_allow(ctx, &permit, &place.drive.tenant).await?;
        }
        Ok((me, children))
    }

    /// Everything below a folder (PROPFIND depth infinity, sync), filtered.
    pub async fn list_tree(&self, ctx: &Ctx, place: &Place, path: &str) -> Result<Vec<Node>> {
        let path = clean_path(path)?;
        let nodes = self.store.subtree(&place.drive.id, &path).await?;
        let level = nodes.first().map(|n| n.level).unwrap_or(place.drive.level);
        let standing = self.standing(ctx, place, &path).await?;
        let permit = self.gate_content(ctx, Action::ContentList, place, &path, level, &standing).await?;
        if nodes.is_empty() {
            return Err(ServiceError::NotFound);
        }
        let snap = self.snapshot();
        let out = nodes
            .into_iter()
            .filter(|c| {
                c.level <= level || self.may(&snap, ctx, Action::ContentList, place, &c.path, c.level, &standing)
            })
            .collect();
        if permit.acting_under.is_some() {
            self.record_allow(ctx, &permit, &place.drive.tenant).await?;
        }
        Ok(out)
    }

    /// Reads a file, or the byte range `[offset, offset + len)` of it. The read
    /// is recorded before the first byte leaves.
    pub async fn read(&self, ctx: &Ctx, place: &Place, path: &str, range: Option<(u64, u64)>) -> Result<ReadResult> {
        let path = clean_path(path)?;
        let node = self.store.node(&place.drive.id, &path).await?;
        let level = node.as_ref().map(|n| n.level).unwrap_or(place.drive.level);
        let standing = self.standing(ctx, place, &path).await?;
        let permit = self.gate_content(ctx, Action::ContentRead, place, &path, level, &standing).await?;
        let node = node.ok_or(ServiceError::NotFound)?;
        if node.dir {
            return Err(conflict(DriveConflict::IsFolder(path)));
        }
        let (offset, len) = match range {
            Some((o, l)) => (o.min(node.size), l.min(node.size.saturating_sub(o))),
            None => (0, node.size),
        };
        self.record_allow(ctx, &permit, &place.drive.tenant).await?;
        let body = match &node.blob {
            Some(key) if node.size > 0 => {
                let kek = self.kek(&place.drive.tenant).await?;
                self.drive.blobs.read_range(&kek, key, offset, len).await.map_err(super::blob_err)?
            }
            _ => Box::pin(futures_util::stream::empty()),
        };
        Ok(ReadResult { node, body, offset, len })
    }

    /// Fails now, with the reason, if the tenant's content cannot be
    /// decrypted (a passphrase-held key still locked): protocols that stream
    /// a body lazily must not send a success status first.
    pub async fn content_key_ready(&self, tenant: &str) -> Result<()> {
        self.kek(tenant).await.map(|_| ())
    }

    /// Stores a file from a stream. The blob is complete and durable before
    /// the metadata pointing at it is committed; on any failure it is
    /// removed and nothing becomes visible.
    pub async fn write(
        &self,
        ctx: &Ctx,
        place: &Place,
        path: &str,
        body: &mut (dyn AsyncRead + Send + Unpin),
        opts: WriteOpts,
    ) -> Result<WriteResult> {
        let clean = clean_path(path)?;
        let standing = self.standing(ctx, place, &clean).await?;
        self.write_as(ctx, place, &clean, body, opts, Action::ContentWrite, &standing).await
    }

    #[allow(clippy::too_many_arguments)]
    pub(crate) async fn write_as(
        &self,
        ctx: &Ctx,
        place: &Place,
        path: &str,
        body: &mut (dyn AsyncRead + Send + Unpin),
        opts: WriteOpts,
        action: Action,
        standing: &Standing,
    ) -> Result<WriteResult> {
        let path = clean_path(path)?;
        if path == "/" {
            return Err(conflict(DriveConflict::IsFolder(path)));
        }
        let (existing, level) = self.node_or_parent(place, &path).await?;
        let permit = self.gate_content(ctx, action, place, &path, level, standing).await?;
        if existing.as_ref().is_some_and(|n| n.dir) {
            return Err(conflict(DriveConflict::IsFolder(path)));
        }
        if let Some(size) = opts.size {
            // Refuse early rather than after receiving gigabytes.
            self.quota_precheck(place, size).await?;
        }
        let tenant = place.drive.tenant.clone();
        let kek = self.kek(&tenant).await?;
        let key = blob_key(&tenant);
        let info = self.drive.blobs.put(&kek, &key, body).await.map_err(super::blob_err)?;
        if opts.size.is_some_and(|s| s != info.size) {
            let _ = self.drive.blobs.delete(&key).await;
            return Err(ServiceError::invalid(format!(
                "the body had {} bytes, not the {} announced; nothing was stored",
                info.size,
                opts.size.unwrap_or_default()
            )));
        }
        self.commit_blob(ctx, place, &path, level, &permit, key, info, opts).await
    }

    /// Commits a complete blob as the content of `path`, with the allow
    /// record; on any refusal the blob is removed again.
    #[allow(clippy::too_many_arguments)]
    pub(crate) async fn commit_blob(
        &self,
        ctx: &Ctx,
        place: &Place,
        path: &str,
        level: u8,
        permit: &crate::Permit,
        key: String,
        info: suveren_blob::BlobInfo,
        opts: WriteOpts,
    ) -> Result<WriteResult> {
        let tenant = place.drive.tenant.clone();
        let snap = self.snapshot();
        let keep = snap
            .dir
            .tenants
            .get(&tenant)
            .and_then(|t| t.scheme.level(level))
            .map(|l| l.version_keep())
            .unwrap_or(suveren_domain::VersionKeep { count: 10, days: 30 });
        // The level's retention may set the versions' age apart from the
        // count; a legal hold keeps every version.
        let version_days = snap
            .dir
            .tenants
            .get(&tenant)
            .and_then(|t| t.scheme.level(level))
            .map(|l| l.retention_rules().version_max_days)
            .unwrap_or(keep.days);
        let versions = if self.held(place, path).await? {
            VersionPolicy { max_count: u32::MAX, max_age_ms: i64::MAX }
        } else {
            VersionPolicy { max_count: keep.count, max_age_ms: i64::from(version_days) * 86_400_000 }
        };
        let now = now_ms();
        let put = PutFile {
            drive: place.drive.id.clone(),
            tenant: tenant.clone(),
            path: path.to_string(),
            blob: key.clone(),
            size: info.size,
            mime: mime_for(path, opts.mime.as_deref()),
            etag: hex::encode(&info.sha256[..12]),
            now,
            modified: opts.modified.unwrap_or(now),
            author: ctx.actor.login().to_string(),
            level,
            expect: opts.expect,
            quota: place.drive.quota,
            tenant_quota: self.tenant_quota(&tenant),
            versions,
        };
        let draft = self.allowed(ctx, permit, &tenant);
        match self.store.put_file(&put, vec![draft]).await {
            Ok(Ok((out, recs))) => {
                self.after_commit(&recs).await?;
                Ok(WriteResult { node: out.node, created: out.created })
            }
            Ok(Err(c)) => {
                let _ = self.drive.blobs.delete(&key).await;
                Err(conflict(c))
            }
            Err(e) => {
                let _ = self.drive.blobs.delete(&key).await;
                Err(e.into())
            }
        }
    }

    /// Asks whether the caller may write `path`, before a body arrives.
    pub async fn check_write(&self, ctx: &Ctx, place: &Place, path: &str) -> Result<()> {
        let path = clean_path(path)?;
        let (existing, level) = self.node_or_parent(place, &path).await?;
        let standing = self.standing(ctx, place, &path).await?;
        self.gate_content(ctx, Action::ContentWrite, place, &path, level, &standing).await?;
        if existing.is_some_and(|n| n.dir) || path == "/" {
            return Err(conflict(DriveConflict::IsFolder(path)));
        }
        Ok(())
    }

    pub async fn mkdir(&self, ctx: &Ctx, place: &Place, path: &str) -> Result<Node> {
        let path = clean_path(path)?;
        if path == "/" {
            return Err(conflict(DriveConflict::Exists(path)));
        }
        let (_, level) = self.node_or_parent(place, &path).await?;
        let standing = self.standing(ctx, place, &path).await?;
        let permit = self.gate_content(ctx, Action::ContentWrite, place, &path, level, &standing).await?;
        let draft = self.allowed(ctx, &permit, &place.drive.tenant);
        let etag = crate::new_id()[..16].to_string();
        let (node, recs) = self
            .store
            .mkdir(&place.drive.tenant, &place.drive.id, &path, level, now_ms(), ctx.actor.login(), &etag, vec![draft])
            .await?
            .map_err(conflict)?;
        self.after_commit(&recs).await?;
        Ok(node)
    }

    /// Moves a file or folder (with everything in it) to the trash.
    pub async fn delete(&self, ctx: &Ctx, place: &Place, path: &str) -> Result<TrashEntry> {
        let path = clean_path(path)?;
        if path == "/" {
            return Err(ServiceError::invalid(crate::messages::ROOT_DELETE));
        }
        let node = self.store.node(&place.drive.id, &path).await?;
        let level = node.as_ref().map(|n| n.level).unwrap_or(place.drive.level);
        let standing = self.standing(ctx, place, &path).await?;
        let permit = self.gate_content(ctx, Action::ContentDelete, place, &path, level, &standing).await?;
        node.ok_or(ServiceError::NotFound)?;
        // A legal hold or a minimum retention on anything in the subtree
        // keeps all of it where it is.
        let subtree = self.store.subtree(&place.drive.id, &path).await?;
        self.retention_guard(ctx, place, permit.resource.clone(), &path, &subtree).await?;
        let draft = self.allowed(ctx, &permit, &place.drive.tenant);
        let (entry, recs) = self
            .store
            .trash(
                &place.drive.tenant,
                &place.drive.id,
                &path,
                &crate::new_id(),
                now_ms(),
                ctx.actor.login(),
                vec![draft],
            )
            .await?
            .map_err(conflict)?;
        self.after_commit(&recs).await?;
        Ok(entry)
    }

    /// Moves or copies within a tenant. Content may go to a higher level
    /// freely; to a lower level only with `declassify`, which the gate
    /// allows owners only, and which is recorded as its own action.
    pub async fn transfer(
        &self,
        ctx: &Ctx,
        src: &Place,
        from: &str,
        dst: &Place,
        to: &str,
        opts: TransferOpts,
    ) -> Result<super::ops::TransferDone> {
        let from = clean_path(from)?;
        let to = clean_path(to)?;
        if from == "/" || to == "/" {
            return Err(ServiceError::invalid(crate::messages::ROOT_MOVE));
        }
        let node = self.store.node(&src.drive.id, &from).await?;
        let src_level = node.as_ref().map(|n| n.level).unwrap_or(src.drive.level);
        let src_standing = self.standing(ctx, src, &from).await?;
        let src_action = if opts.copy { Action::ContentRead } else { Action::ContentDelete };
        let src_permit = self.gate_content(ctx, src_action, src, &from, src_level, &src_standing).await?;
        let node = node.ok_or(ServiceError::NotFound)?;
        let (_, dst_level) = self.node_or_parent(dst, &to).await?;
        let dst_folder_level = match self.store.node(&dst.drive.id, parent_of(&to)).await? {
            Some(p) => p.level,
            None => dst_level,
        };
        let dst_standing = self.standing(ctx, dst, &to).await?;
        let dst_permit =
            self.gate_content(ctx, Action::ContentWrite, dst, &to, dst_folder_level, &dst_standing).await?;
        if src.drive.tenant != dst.drive.tenant {
            return Err(ServiceError::NotFound);
        }
        if !opts.copy {
            self.hold_move_guard(ctx, src, &from, dst, &to, src_permit.resource.clone()).await?;
        }
        if opts.overwrite {
            // The replaced destination goes to the trash: a deletion.
            let replaced = self.store.subtree(&dst.drive.id, &to).await?;
            self.retention_guard(ctx, dst, dst_permit.resource.clone(), &to, &replaced).await?;
        }
        let mut drafts =
            vec![self.allowed(ctx, &src_permit, &src.drive.tenant), self.allowed(ctx, &dst_permit, &dst.drive.tenant)];
        let mut set_level = None;
        if node.level > dst_folder_level {
            let snap = self.snapshot();
            let name_of = |l: u8| {
                snap.dir
                    .tenants
                    .get(&src.drive.tenant)
                    .and_then(|t| t.scheme.level(l))
                    .map(|l| l.name.clone())
                    .unwrap_or_else(|| format!("level {l}"))
            };
            if !opts.declassify {
                let code = if opts.copy { "deny-copy-below-level" } else { "deny-move-below-level" };
                let d = suveren_policy::Denial::open(suveren_policy::Rule::Classification, code)
                    .with("level", name_of(node.level))
                    .with("folder", name_of(dst_folder_level));
                let reason = format!("{}: {}", d.rule.as_str(), d.message);
                self.commit(self.record_deny(ctx, &src.drive.tenant, src_permit.resource.clone(), reason)).await?;
                return Err(ServiceError::Denied(d));
            }
            let permit =
                self.gate_content(ctx, Action::ContentDeclassify, src, &from, node.level, &src_standing).await?;
            let mut d = self.allowed(ctx, &permit, &src.drive.tenant);
            d.reason = Some(format!("declassified from {} to {}", name_of(node.level), name_of(dst_folder_level)));
            drafts.push(d);
            set_level = Some(dst_folder_level);
        }
        let t = Transfer {
            tenant: src.drive.tenant.clone(),
            from_drive: src.drive.id.clone(),
            from: from.clone(),
            to_drive: dst.drive.id.clone(),
            to: to.clone(),
            overwrite: opts.overwrite,
            set_level,
            now: now_ms(),
            by: ctx.actor.login().to_string(),
            trash_id: crate::new_id(),
            quota: dst.drive.quota,
            // A copy adds bytes to the tenant; a move between its drives does not.
            tenant_quota: if opts.copy { self.tenant_quota(&dst.drive.tenant) } else { None },
        };
        let res =
            if opts.copy { self.store.copy_node(&t, drafts).await? } else { self.store.move_node(&t, drafts).await? };
        let (out, recs) = res.map_err(conflict)?;
        self.after_commit(&recs).await?;
        Ok(TransferDone { node: out.node, replaced: out.replaced })
    }

    /// Replaces the dead WebDAV properties of an item.
    pub async fn set_props(&self, ctx: &Ctx, place: &Place, path: &str, props: &str) -> Result<()> {
        let path = clean_path(path)?;
        let node = self.store.node(&place.drive.id, &path).await?;
        let level = node.as_ref().map(|n| n.level).unwrap_or(place.drive.level);
        let standing = self.standing(ctx, place, &path).await?;
        let permit = self.gate_content(ctx, Action::ContentWrite, place, &path, level, &standing).await?;
        node.ok_or(ServiceError::NotFound)?;
        let draft = self.allowed(ctx, &permit, &place.drive.tenant);
        let (_, recs) = self
            .store
            .set_props(&place.drive.tenant, &place.drive.id, &path, props, vec![draft])
            .await?
            .map_err(conflict)?;
        self.after_commit(&recs).await?;
        Ok(())
    }

    /// Raises an item's level (editors), or lowers it (owners, explicitly:
    /// never below its folder's level).
    pub async fn set_level(&self, ctx: &Ctx, place: &Place, path: &str, level: u8) -> Result<Node> {
        let path = clean_path(path)?;
        let node = self.store.node(&place.drive.id, &path).await?;
        let cur = node.as_ref().map(|n| n.level).unwrap_or(place.drive.level);
        let standing = self.standing(ctx, place, &path).await?;
        let permit = self.gate_content(ctx, Action::ContentWrite, place, &path, cur, &standing).await?;
        let node = node.ok_or(ServiceError::NotFound)?;
        let snap = self.snapshot();
        if snap.dir.tenants.get(&place.drive.tenant).and_then(|t| t.scheme.level(level)).is_none() {
            return Err(ServiceError::invalid(format!("level {level} is not in the tenant's classification scheme")));
        }
        let floor = if path == "/" {
            place.drive.level
        } else {
            self.store.node(&place.drive.id, parent_of(&path)).await?.map(|p| p.level).unwrap_or(place.drive.level)
        };
        if level < floor {
            return Err(ServiceError::Denied(suveren_policy::Denial::open(
                suveren_policy::Rule::Classification,
                "deny-level-below-folder",
            )));
        }
        let mut drafts = vec![self.allowed(ctx, &permit, &place.drive.tenant)];
        if level < node.level {
            let p = self.gate_content(ctx, Action::ContentDeclassify, place, &path, node.level, &standing).await?;
            let mut d = self.allowed(ctx, &p, &place.drive.tenant);
            d.reason = Some(format!("declassified from level {} to {level}", node.level));
            drafts.push(d);
        }
        let (_, recs) = self
            .store
            .set_level(&place.drive.tenant, &place.drive.id, &path, level, now_ms(), drafts)
            .await?
            .map_err(conflict)?;
        self.after_commit(&recs).await?;
        self.store.node(&place.drive.id, &path).await?.ok_or(ServiceError::NotFound)
    }

    /// The drive's trash (owners and editors of the drive).
    pub async fn trash_list(&self, ctx: &Ctx, place: &Place) -> Result<Vec<TrashEntry>> {
        let standing = Standing { access: place.role, shared_by: None };
        let permit = self.gate_content(ctx, Action::ContentList, place, "/", place.drive.level, &standing).await?;
        if permit.acting_under.is_some() {
            self.record_allow(ctx, &permit, &place.drive.tenant).await?;
        }
        Ok(self.store.trash_list(&place.drive.id).await?)
    }

    pub async fn restore(&self, ctx: &Ctx, place: &Place, id: &str) -> Result<Node> {
        let standing = Standing { access: place.role, shared_by: None };
        let entry = self.store.trash_list(&place.drive.id).await?.into_iter().find(|e| e.id == id);
        let path = entry.as_ref().map(|e| e.path.clone()).unwrap_or_else(|| "/".into());
        let permit = self.gate_content(ctx, Action::ContentWrite, place, &path, place.drive.level, &standing).await?;
        entry.ok_or(ServiceError::NotFound)?;
        let draft = self.allowed(ctx, &permit, &place.drive.tenant);
        let (node, recs) = self
            .store
            .restore(&place.drive.tenant, &place.drive.id, id, now_ms(), vec![draft])
            .await?
            .map_err(conflict)?;
        self.after_commit(&recs).await?;
        Ok(node)
    }

    /// Deletes a trash entry for good.
    pub async fn purge(&self, ctx: &Ctx, place: &Place, id: &str) -> Result<()> {
        let standing = Standing { access: place.role, shared_by: None };
        let entry = self.store.trash_list(&place.drive.id).await?.into_iter().find(|e| e.id == id);
        let path = entry.as_ref().map(|e| e.path.clone()).unwrap_or_else(|| "/".into());
        let permit = self.gate_content(ctx, Action::ContentDelete, place, &path, place.drive.level, &standing).await?;
        entry.ok_or(ServiceError::NotFound)?;
        let nodes = self.store.trash_nodes(id).await?;
        self.retention_guard(ctx, place, permit.resource.clone(), &path, &nodes).await?;
        let mut draft = self.allowed(ctx, &permit, &place.drive.tenant);
        draft.reason = Some("purged from the trash".into());
        let (_, recs) = self.store.purge(&place.drive.id, id, now_ms(), vec![draft]).await?.map_err(conflict)?;
        self.after_commit(&recs).await?;
        self.sweep_blobs().await;
        Ok(())
    }

    pub async fn versions(&self, ctx: &Ctx, place: &Place, path: &str) -> Result<(Node, Vec<Version>)> {
        let node = self.stat(ctx, place, path).await?;
        let v = self.store.versions(node.id).await?;
        Ok((node, v))
    }

    /// Makes an earlier version the current content again (the current one
    /// becomes a version itself).
    pub async fn restore_version(&self, ctx: &Ctx, place: &Place, path: &str, version: i64) -> Result<Node> {
        let path = clean_path(path)?;
        let (node, versions) = self.versions(ctx, place, &path).await?;
        let v = versions.into_iter().find(|v| v.id == version).ok_or(ServiceError::NotFound)?;
        let kek = self.kek(&place.drive.tenant).await?;
        let stream = self.drive.blobs.read_range(&kek, &v.blob, 0, v.size).await.map_err(super::blob_err)?;
        let mut reader = tokio_util_reader(stream);
        let opts = WriteOpts {
            expect: Expect { etag: Some(node.etag.clone()), ..Default::default() },
            mime: node.mime.clone(),
            size: Some(v.size),
            modified: None,
        };
        Ok(self.write(ctx, place, &path, &mut reader, opts).await?.node)
    }

    /// What changed in a drive after `since` (a token from an earlier
    /// answer), so sync clients need not walk the tree.
    pub async fn changes(&self, ctx: &Ctx, place: &Place, since: i64, limit: u32) -> Result<(Vec<Change>, i64)> {
        let standing = Standing { access: place.role, shared_by: None };
        let permit = self.gate_content(ctx, Action::ContentList, place, "/", place.drive.level, &standing).await?;
        if permit.acting_under.is_some() {
            self.record_allow(ctx, &permit, &place.drive.tenant).await?;
        }
        let changes = self.store.changes(&place.drive.id, since.max(0), limit.clamp(1, 10_000)).await?;
        let next = changes.last().map(|c| c.seq).unwrap_or(since.max(0));
        Ok((changes, next))
    }

    /// Deletes blob files no metadata references any more. Safe to run at
    /// any time and from any node: a blob still referenced is kept. Skipped
    /// while a backup copies blobs (`crate::backup`).
    pub async fn sweep_blobs(&self) -> usize {
        let Some(_change) = crate::backup::try_blob_change(&self.data_dir) else { return 0 };
        let mut n = 0;
        // Only blobs unreferenced for the grace period (`blobs.delete_grace_hours`).
        let before = super::now_ms() - self.settings.blob_delete_grace.as_millis() as i64;
        let Ok(pending) = self.store.blob_gc_due(before, 1000).await else { return 0 };
        for b in pending {
            match self.store.blob_gc_take(&b).await {
                Ok(false) => {
                    if self.drive.blobs.delete(&b).await.is_ok() {
                        n += 1;
                    }
                }
                Ok(true) => {}
                Err(e) => tracing::warn!(error = %e, "blob sweep"),
            }
        }
        n
    }
}

/// The outcome of a move or copy.
#[derive(Debug, Clone)]
pub struct TransferDone {
    pub node: Node,
    pub replaced: bool,
}

/// Adapts a decrypted stream into a reader, for re-storing a version.
fn tokio_util_reader(stream: PlaintextStream) -> impl AsyncRead + Send + Unpin {
    use futures_util::TryStreamExt;
    tokio_util::io::StreamReader::new(stream.map_err(std::io::Error::other))
}
