//! Resumable uploads (the tus 1.0 protocol at the API edge). Bytes are
//! sealed into the final encrypted blob as they arrive, 64 KiB chunk by
//! chunk, so completing an upload renames a file rather than copying it;
//! an append that does not finish the upload keeps whole chunks only and
//! answers the offset it reached (tus clients resend from there).

use serde::{Deserialize, Serialize};
use suveren_policy::Action;
use suveren_store::drive::Node;
use suveren_store::{Batch, Op};
use tokio::io::AsyncRead;

use super::{clean_path, now_ms, DriveSel, WriteOpts};
use crate::{App, Ctx, Result, ServiceError};

pub const UPLOAD_KIND: &str = "upload";
/// Uploads untouched for this long are removed by the upkeep task.
pub const UPLOAD_TTL_MS: i64 = 24 * 3600 * 1000;
/// Largest single upload accepted (the drive quota applies as well).
pub const MAX_UPLOAD: u64 = 1 << 40;

/// An upload in progress, owned by the principal who started it.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Upload {
    pub id: String,
    pub tenant: String,
    pub drive: String,
    pub path: String,
    pub total: u64,
    pub blob: String,
    #[serde(default)]
    pub mime: Option<String>,
    pub owner: String,
    pub created: i64,
}

fn upload_err(e: suveren_blob::Error) -> ServiceError {
    match e {
        suveren_blob::Error::OffsetMismatch { expected } => {
            ServiceError::Conflict(format!("the upload is at offset {expected}; continue from there"))
        }
        suveren_blob::Error::UploadBusy => {
            ServiceError::Conflict("another request is appending to this upload; retry shortly".into())
        }
        suveren_blob::Error::UploadTooLong { total } => {
            ServiceError::invalid(format!("the upload was declared as {total} bytes; more were sent"))
        }
        other => super::blob_err(other),
    }
}

impl App {
    async fn my_upload(&self, ctx: &Ctx, id: &str) -> Result<Upload> {
        let me = Self::me(ctx)?;
        let obj = self.store.get(UPLOAD_KIND, id).await?.ok_or(ServiceError::NotFound)?;
        let u: Upload = obj.decode()?;
        if u.owner != me.id {
            return Err(ServiceError::NotFound);
        }
        Ok(u)
    }

    /// Starts an upload of `total` bytes to `path` in `drive`.
    pub async fn upload_create(
        &self,
        ctx: &Ctx,
        drive: &str,
        path: &str,
        total: u64,
        mime: Option<String>,
    ) -> Result<Upload> {
        let me = Self::me(ctx)?.clone();
        let place = self.place(ctx, DriveSel::Id(drive)).await?;
        let path = clean_path(path)?;
        self.check_write(ctx, &place, &path).await?;
        if total > MAX_UPLOAD {
            return Err(ServiceError::invalid(format!("uploads are limited to {MAX_UPLOAD} bytes")));
        }
        self.quota_precheck(&place, total).await?;
        let kek = self.kek(&place.drive.tenant).await?;
        let u = Upload {
            id: crate::new_id(),
            tenant: place.drive.tenant.clone(),
            drive: place.drive.id.clone(),
            path,
            total,
            blob: super::ops::blob_key(&place.drive.tenant),
            mime,
            owner: me.id.clone(),
            created: now_ms(),
        };
        self.drive.blobs.resumable_begin(&kek, &u.blob, total).await.map_err(upload_err)?;
        self.commit(Batch::new().op(Op::insert(UPLOAD_KIND, &u.id, &u.tenant, Some(&me.id), &u))).await?;
        Ok(u)
    }

    /// Where an upload stands: `(offset, total)`.
    pub async fn upload_offset(&self, ctx: &Ctx, id: &str) -> Result<(u64, u64)> {
        let u = self.my_upload(ctx, id).await?;
        let off = self.drive.blobs.resumable_offset(&u.blob, u.total).await.map_err(upload_err)?;
        Ok((off.unwrap_or(0), u.total))
    }

    /// Appends at `offset`. Returns the new offset and, when the upload is
    /// complete, the stored file (gated and recorded like any write).
    pub async fn upload_append(
        &self,
        ctx: &Ctx,
        id: &str,
        offset: u64,
        body: &mut (dyn AsyncRead + Send + Unpin),
    ) -> Result<(u64, Option<Node>)> {
        let u = self.my_upload(ctx, id).await?;
        let place = self.place(ctx, DriveSel::Id(&u.drive)).await?;
        // Ask before taking bytes: access may have ended since the start.
        self.check_write(ctx, &place, &u.path).await?;
        let kek = self.kek(&u.tenant).await?;
        let (off, done) =
            self.drive.blobs.resumable_append(&kek, &u.blob, u.total, offset, body).await.map_err(upload_err)?;
        let Some(info) = done else { return Ok((off, None)) };
        let (_, level) = self.node_or_parent(&place, &u.path).await?;
        let standing = self.standing(ctx, &place, &u.path).await?;
        let permit = self.gate_content(ctx, Action::ContentWrite, &place, &u.path, level, &standing).await?;
        let opts = WriteOpts { mime: u.mime.clone(), size: Some(u.total), ..Default::default() };
        let res = self.commit_blob(ctx, &place, &u.path, level, &permit, u.blob.clone(), info, opts).await;
        self.commit(Batch::new().op(Op::delete(UPLOAD_KIND, &u.id))).await?;
        Ok((off, Some(res?.node)))
    }

    pub async fn upload_abort(&self, ctx: &Ctx, id: &str) -> Result<()> {
        let u = self.my_upload(ctx, id).await?;
        self.drive.blobs.resumable_abort(&u.blob).await.map_err(upload_err)?;
        self.commit(Batch::new().op(Op::delete(UPLOAD_KIND, &u.id))).await?;
        Ok(())
    }

    /// Removes uploads abandoned for a day (their partial blobs with them).
    pub async fn expire_uploads(&self) -> Result<usize> {
        let now = now_ms();
        let mut n = 0;
        for o in self.store.list(UPLOAD_KIND, None).await? {
            let u: Upload = o.decode()?;
            let touched = self
                .drive
                .blobs
                .resumable_list()
                .await
                .map_err(super::blob_err)?
                .into_iter()
                .find(|(k, _)| *k == u.blob)
                .and_then(|(_, t)| t.duration_since(std::time::UNIX_EPOCH).ok())
                .map(|d| d.as_millis() as i64)
                .unwrap_or(u.created);
            if now - touched > UPLOAD_TTL_MS {
                let _ = self.drive.blobs.resumable_abort(&u.blob).await;
                self.commit(Batch::new().op(Op::delete(UPLOAD_KIND, &u.id))).await?;
                n += 1;
            }
        }
        Ok(n)
    }
}
