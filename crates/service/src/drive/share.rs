//! Sharing: with principals and groups the sharer may discover, and by link
//! where the level allows. The gate decides both when the share is made and
//! at every access through it.

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use suveren_policy::{AccessRole, Action, ContentRef, Resource, ShareTarget};
use suveren_store::drive::{Node, ShareRow};

use super::{clean_path, conflict, now_ms, Place, Standing};
use crate::{App, Ctx, Result, ServiceError};

pub(crate) fn role_rank(r: &str) -> u8 {
    match r {
        "editor" => 2,
        "viewer" => 1,
        _ => 0,
    }
}

pub(crate) fn parse_role(r: &str) -> Option<AccessRole> {
    match r {
        "viewer" => Some(AccessRole::Viewer),
        "editor" => Some(AccessRole::Editor),
        _ => None,
    }
}

/// What the caller asks to share with.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub struct NewShare {
    /// A principal's login, or ...
    #[serde(default)]
    pub principal: Option<String>,
    /// ... a group name of the drive's tenant, or ...
    #[serde(default)]
    pub group: Option<String>,
    /// ... a link: `view` or `upload`.
    #[serde(default)]
    pub link: Option<String>,
    /// `viewer` or `editor` (principals and groups).
    #[serde(default)]
    pub role: Option<String>,
    /// Link expiry, unix seconds.
    #[serde(default)]
    pub expires: Option<i64>,
    /// Optional link password.
    #[serde(default)]
    pub password: Option<String>,
}

/// A share as listed to users.
#[derive(Debug, Clone, Serialize)]
pub struct ShareView {
    pub id: String,
    pub drive: String,
    pub drive_name: String,
    pub path: String,
    pub target_kind: String,
    /// Login or group name; empty for links.
    pub target: String,
    pub role: String,
    pub created_by: String,
    pub created: i64,
    pub expires: Option<i64>,
    pub password: bool,
}

/// Stored unlock tokens of password links (`App::unlock_link`), keyed by
/// the token's digest.
pub const LINK_UNLOCK_KIND: &str = "link_unlock";
/// How long a correct link password keeps the link open in one browser.
pub const LINK_UNLOCK_FOR: std::time::Duration = std::time::Duration::from_secs(3600);

#[derive(Debug, Serialize, Deserialize)]
struct LinkUnlock {
    share: String,
    /// Unix milliseconds.
    until: i64,
}

/// An opened link: what it points at and what it allows.
#[derive(Debug, Clone)]
pub struct LinkAccess {
    pub share: ShareRow,
    pub place: Place,
    pub node: Node,
}

fn token_hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

impl App {
    fn share_view(&self, s: &ShareRow) -> ShareView {
        let snap = self.snapshot();
        let target = match s.target_kind.as_str() {
            "principal" => snap.dir.principals.get(&s.target).map(|p| p.login.clone()).unwrap_or_default(),
            "group" => snap.dir.groups.get(&s.target).map(|g| g.name.clone()).unwrap_or_default(),
            _ => String::new(),
        };
        let created_by = snap.dir.principals.get(&s.created_by).map(|p| p.login.clone()).unwrap_or_default();
        ShareView {
            id: s.id.clone(),
            drive: s.drive.clone(),
            drive_name: self.drive.get(&s.drive).map(|d| d.name.clone()).unwrap_or_default(),
            path: s.path.clone(),
            target_kind: s.target_kind.clone(),
            target,
            role: s.role.clone(),
            created_by,
            created: s.created,
            expires: s.expires,
            password: s.password.is_some(),
        }
    }

    /// Shares `path`. Returns the share and, for links, the token (shown once).
    pub async fn share(
        &self,
        ctx: &Ctx,
        place: &Place,
        path: &str,
        req: NewShare,
    ) -> Result<(ShareView, Option<String>)> {
        let me = ctx.actor.principal.clone().ok_or_else(|| ServiceError::Unauthenticated("sign in first".into()))?;
        let path = clean_path(path)?;
        let node = self.store.node(&place.drive.id, &path).await?;
        let level = node.as_ref().map(|n| n.level).unwrap_or(place.drive.level);
        let standing = self.standing(ctx, place, &path).await?;
        let c = ContentRef {
            tenant: place.drive.tenant.clone(),
            drive: place.drive.policy_ref(),
            path: path.clone(),
            level,
            access: standing.access,
            shared_by: standing.shared_by.clone(),
        };
        let snap = self.snapshot();
        let now = now_ms();
        let (target_kind, target, role, token, password) =
            match (req.principal.as_deref(), req.group.as_deref(), req.link.as_deref()) {
                (Some(login), None, None) => {
                    // An undiscoverable login answers exactly like an unknown one.
                    let p = snap.dir.principal_by_login(login).ok_or(ServiceError::NotFound)?;
                    self.gate_as(
                        ctx,
                        Action::ContentShare,
                        &Resource::Share { content: &c, target: ShareTarget::Principal(p) },
                    )
                    .await?;
                    if p.id == me.id {
                        return Err(ServiceError::invalid("you cannot share with yourself"));
                    }
                    ("principal", p.id.clone(), share_role(req.role.as_deref())?, None, None)
                }
                (None, Some(name), None) => {
                    let g = snap
                        .dir
                        .groups
                        .values()
                        .find(|g| g.tenant == place.drive.tenant && (g.name == name || g.id == name))
                        .ok_or(ServiceError::NotFound)?;
                    self.gate_as(
                        ctx,
                        Action::ContentShare,
                        &Resource::Share { content: &c, target: ShareTarget::Group(g) },
                    )
                    .await?;
                    ("group", g.id.clone(), share_role(req.role.as_deref())?, None, None)
                }
                (None, None, Some(mode)) => {
                    self.gate_as(
                        ctx,
                        Action::ContentShare,
                        &Resource::Share { content: &c, target: ShareTarget::PublicLink },
                    )
                    .await?;
                    let role = match mode {
                        "view" => "view",
                        "upload" => "upload",
                        _ => return Err(ServiceError::invalid("a link is `view` or `upload`")),
                    };
                    if role == "upload" && !node.as_ref().is_some_and(|n| n.dir) {
                        return Err(ServiceError::invalid("upload links point at a folder"));
                    }
                    if req.expires.is_some_and(|e| e * 1000 <= now) {
                        return Err(ServiceError::invalid("the expiry lies in the past"));
                    }
                    let password = match req.password.as_deref().filter(|p| !p.is_empty()) {
                        Some(pw) => {
                            let pw = pw.to_string();
                            let hash = tokio::task::spawn_blocking(move || suveren_identity::password::hash(&pw))
                                .await
                                .map_err(|e| ServiceError::Internal(e.to_string()))?
                                .map_err(|e| ServiceError::invalid(e.to_string()))?;
                            Some(hash)
                        }
                        None => None,
                    };
                    let token = suveren_identity::token::new_token();
                    ("link", String::new(), role.to_string(), Some(token), password)
                }
                _ => return Err(ServiceError::invalid("share with exactly one of `principal`, `group` or `link`")),
            };
        let node = node.ok_or(ServiceError::NotFound)?;
        let row = ShareRow {
            id: crate::new_id(),
            tenant: place.drive.tenant.clone(),
            drive: place.drive.id.clone(),
            node: node.id,
            path: path.clone(),
            target_kind: target_kind.into(),
            target,
            role,
            created_by: me.id.clone(),
            created: now,
            expires: req.expires.map(|e| e * 1000),
            password,
            token: token.as_deref().map(token_hash),
        };
        let permit = crate::Permit {
            action: Action::ContentShare,
            resource: Resource::Content(&c).audit_name(),
            acting_under: None,
        };
        let mut draft = self.allowed(ctx, &permit, &place.drive.tenant);
        draft.reason = Some(format!("shared with {} {} as {}", row.target_kind, row.target, row.role));
        let (_, recs) = self.store.put_share(&row, vec![draft]).await?.map_err(conflict)?;
        self.after_commit(&recs).await?;
        Ok((self.share_view(&row), token))
    }

    /// Shares the caller made.
    pub async fn my_shares(&self, ctx: &Ctx) -> Result<Vec<ShareView>> {
        let me = ctx.actor.principal.as_ref().ok_or_else(|| ServiceError::Unauthenticated("sign in first".into()))?;
        Ok(self.store.shares_by_creator(&me.id).await?.iter().map(|s| self.share_view(s)).collect())
    }

    /// Shares of a drive (its owners and editors).
    pub async fn drive_shares(&self, ctx: &Ctx, place: &Place) -> Result<Vec<ShareView>> {
        let standing = Standing { access: place.role, shared_by: None };
        self.gate_content(ctx, Action::ContentShare, place, "/", place.drive.level, &standing).await?;
        Ok(self.store.shares_of_drive(&place.drive.id).await?.iter().map(|s| self.share_view(s)).collect())
    }

    /// What others shared with the caller (directly or through a group),
    /// still valid now: the gate re-checks each.
    pub async fn shared_with_me(&self, ctx: &Ctx) -> Result<Vec<(ShareView, Node)>> {
        let me = ctx.actor.principal.as_ref().ok_or_else(|| ServiceError::Unauthenticated("sign in first".into()))?;
        let mut targets = vec![("principal".to_string(), me.id.clone())];
        targets.extend(me.groups.iter().map(|g| ("group".to_string(), g.clone())));
        let snap = self.snapshot();
        let now = now_ms();
        let mut out = Vec::new();
        for s in self.store.shares_for(&targets).await? {
            if s.expires.is_some_and(|e| e <= now) || s.created_by == me.id {
                continue;
            }
            let Some(drive) = self.drive.get(&s.drive) else { continue };
            let place = Place { role: None, drive };
            let standing = Standing { access: parse_role(&s.role), shared_by: Some(s.created_by.clone()) };
            let Some(node) = self.store.node_by_id(s.node).await? else { continue };
            if self.may(&snap, ctx, Action::ContentList, &place, &node.path, node.level, &standing) {
                out.push((self.share_view(&s), node));
            }
        }
        Ok(out)
    }

    /// Ends a share: its creator, or an owner of the drive.
    pub async fn revoke_share(&self, ctx: &Ctx, id: &str) -> Result<()> {
        let me = ctx.actor.principal.as_ref().ok_or_else(|| ServiceError::Unauthenticated("sign in first".into()))?;
        let s = self.store.share(id).await?.ok_or(ServiceError::NotFound)?;
        let drive = self.drive.get(&s.drive).ok_or(ServiceError::NotFound)?;
        let place = Place { role: drive.role_of(me), drive };
        let own = s.created_by == me.id;
        let access = if own { Some(AccessRole::Editor) } else { place.role.filter(|r| *r == AccessRole::Owner) };
        let standing = Standing { access, shared_by: None };
        if !own && place.drive.tenant != me.tenant {
            return Err(ServiceError::NotFound);
        }
        let permit =
            self.gate_content(ctx, Action::ContentShare, &place, &s.path, place.drive.level, &standing).await?;
        let mut draft = self.allowed(ctx, &permit, &place.drive.tenant);
        draft.reason = Some(format!("revoked share {id}"));
        let (_, recs) = self.store.delete_share(id, vec![draft]).await?.map_err(conflict)?;
        self.after_commit(&recs).await?;
        Ok(())
    }

    /// Opens a link by its token (and password when it has one). Unknown,
    /// expired and wrong-password links all answer "not found".
    pub async fn open_link(&self, token: &str, password: Option<&str>) -> Result<LinkAccess> {
        let s = self.live_link(token).await?;
        if let Some(hash) = s.password.clone() {
            let pw = password.unwrap_or_default().to_string();
            let ok = tokio::task::spawn_blocking(move || suveren_identity::password::verify(&pw, &hash))
                .await
                .map_err(|e| ServiceError::Internal(e.to_string()))?;
            if !ok {
                return Err(ServiceError::Unauthenticated("this link needs its password".into()));
            }
        }
        self.link_access(s).await
    }

    async fn live_link(&self, token: &str) -> Result<ShareRow> {
        let s = self.store.share_by_token(&token_hash(token)).await?.ok_or(ServiceError::NotFound)?;
        if s.target_kind != "link" || s.expires.is_some_and(|e| e <= now_ms()) {
            return Err(ServiceError::NotFound);
        }
        Ok(s)
    }

    async fn link_access(&self, s: ShareRow) -> Result<LinkAccess> {
        let drive = self.drive.get(&s.drive).ok_or(ServiceError::NotFound)?;
        let node = self.store.node_by_id(s.node).await?.ok_or(ServiceError::NotFound)?;
        Ok(LinkAccess { share: s, place: Place { role: None, drive }, node })
    }

    /// Checks a password link's password once and hands out an unlock token
    /// (`None` for a link without a password) that opens this link alone
    /// for [`LINK_UNLOCK_FOR`]: a browser keeps it in a cookie, so later
    /// pages neither carry the password nor cost an Argon2 run, and any
    /// node of the installation accepts it (it is stored, not remembered
    /// in one process).
    pub async fn unlock_link(&self, token: &str, password: &str) -> Result<(LinkAccess, Option<String>)> {
        let l = self.open_link(token, Some(password)).await?;
        if l.share.password.is_none() {
            return Ok((l, None));
        }
        let unlock = suveren_identity::token::new_token();
        let body = LinkUnlock { share: l.share.id.clone(), until: now_ms() + LINK_UNLOCK_FOR.as_millis() as i64 };
        let key = suveren_identity::token::digest(&unlock);
        self.store
            .commit(suveren_store::Batch::new().op(suveren_store::Op::insert(
                LINK_UNLOCK_KIND,
                &key,
                &l.share.tenant,
                Some(&l.share.id),
                &body,
            )))
            .await?;
        Ok((l, Some(unlock)))
    }

    /// Opens a link with what the browser holds: an unlock token from
    /// [`App::unlock_link`] for a password link (checked against this very
    /// link and its expiry), nothing for an open one.
    pub async fn open_link_unlocked(&self, token: &str, unlock: Option<&str>) -> Result<LinkAccess> {
        let s = self.live_link(token).await?;
        if s.password.is_some() {
            let doc = match unlock {
                Some(u) => self.store.get(LINK_UNLOCK_KIND, &suveren_identity::token::digest(u)).await?,
                None => None,
            };
            let ok = match doc {
                Some(o) => o.decode::<LinkUnlock>().is_ok_and(|d| d.share == s.id && d.until > now_ms()),
                None => false,
            };
            if !ok {
                return Err(ServiceError::Unauthenticated("this link needs its password".into()));
            }
        }
        self.link_access(s).await
    }

    /// Forgets unlock tokens past their time (upkeep).
    pub async fn expire_link_unlocks(&self) -> Result<usize> {
        let now = now_ms();
        let mut batch = suveren_store::Batch::new();
        for o in self.store.list(LINK_UNLOCK_KIND, None).await? {
            if o.decode::<LinkUnlock>().map_or(true, |d| d.until <= now) {
                batch = batch.op(suveren_store::Op::delete(LINK_UNLOCK_KIND, &o.key));
            }
        }
        let n = batch.ops.len();
        if n > 0 {
            self.store.commit(batch).await?;
        }
        Ok(n)
    }

    /// The standing a link gives.
    pub(crate) fn link_standing(link: &LinkAccess) -> Standing {
        let access = match link.share.role.as_str() {
            "view" => Some(AccessRole::Viewer),
            "upload" => Some(AccessRole::Editor),
            _ => None,
        };
        Standing { access, shared_by: None }
    }
}

impl App {
    /// Lists what a view link points at (a folder's children, or the file).
    pub async fn link_list(&self, ctx: &Ctx, link: &LinkAccess) -> Result<(Node, Vec<Node>)> {
        let standing = Self::link_standing(link);
        let (me, children) =
            self.store.listing(&link.place.drive.id, &link.node.path).await?.ok_or(ServiceError::NotFound)?;
        let permit = self.gate_content(ctx, Action::LinkRead, &link.place, &me.path, me.level, &standing).await?;
        let snap = self.snapshot();
        let children = children
            .into_iter()
            .filter(|c| self.may(&snap, ctx, Action::LinkRead, &link.place, &c.path, c.level, &standing))
            .collect();
        self.record_allow(ctx, &permit, &link.place.drive.tenant).await?;
        Ok((me, children))
    }

    /// Metadata of an item through a view link (not recorded: the download
    /// that follows is).
    pub async fn link_stat(&self, ctx: &Ctx, link: &LinkAccess, rel: &str) -> Result<Node> {
        let path = clean_path(&format!("{}/{}", link.node.path, rel))?;
        if !suveren_store::drive::is_within(&path, &link.node.path) {
            return Err(ServiceError::NotFound);
        }
        let node = self.store.node(&link.place.drive.id, &path).await?.ok_or(ServiceError::NotFound)?;
        self.gate_content(ctx, Action::LinkRead, &link.place, &path, node.level, &Self::link_standing(link)).await?;
        Ok(node)
    }

    /// Downloads through a view link: the linked file, or a file below the
    /// linked folder (`rel` is relative to it).
    pub async fn link_read(
        &self,
        ctx: &Ctx,
        link: &LinkAccess,
        rel: &str,
        range: Option<(u64, u64)>,
    ) -> Result<super::ReadResult> {
        let path = clean_path(&format!("{}/{}", link.node.path, rel))?;
        if !suveren_store::drive::is_within(&path, &link.node.path) {
            return Err(ServiceError::NotFound);
        }
        let node = self.store.node(&link.place.drive.id, &path).await?.ok_or(ServiceError::NotFound)?;
        let permit = self
            .gate_content(ctx, Action::LinkRead, &link.place, &path, node.level, &Self::link_standing(link))
            .await?;
        if node.dir {
            return Err(conflict(suveren_store::drive::DriveConflict::IsFolder(path)));
        }
        let (offset, len) = match range {
            Some((o, l)) => (o.min(node.size), l.min(node.size.saturating_sub(o))),
            None => (0, node.size),
        };
        self.record_allow(ctx, &permit, &link.place.drive.tenant).await?;
        let body = match &node.blob {
            Some(key) if node.size > 0 => {
                let kek = self.kek(&link.place.drive.tenant).await?;
                self.drive.blobs.read_range(&kek, key, offset, len).await.map_err(super::blob_err)?
            }
            _ => Box::pin(futures_util::stream::empty()),
        };
        Ok(super::ReadResult { node, body, offset, len })
    }

    /// Uploads a new file into the folder of an upload link; never replaces
    /// anything (an upload link cannot see or overwrite what is there).
    pub async fn link_upload(
        &self,
        ctx: &Ctx,
        link: &LinkAccess,
        name: &str,
        body: &mut (dyn tokio::io::AsyncRead + Send + Unpin),
        size: Option<u64>,
    ) -> Result<Node> {
        super::check_name(name)?;
        let path = suveren_store::drive::join(&link.node.path, name);
        let standing = Self::link_standing(link);
        self.gate_content(ctx, Action::LinkUpload, &link.place, &path, link.node.level, &standing).await?;
        let opts = super::WriteOpts {
            expect: suveren_store::drive::Expect { absent: true, ..Default::default() },
            size,
            ..Default::default()
        };
        Ok(self.write_as(ctx, &link.place, &path, body, opts, Action::LinkUpload, &standing).await?.node)
    }
}

fn share_role(r: Option<&str>) -> Result<String> {
    match r.unwrap_or("viewer") {
        "viewer" => Ok("viewer".into()),
        "editor" => Ok("editor".into()),
        other => Err(ServiceError::invalid(format!("`{other}` is not a role; use viewer or editor"))),
    }
}
