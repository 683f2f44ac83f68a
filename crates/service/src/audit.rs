//! Audit services: the installation signing key, browsing and exporting a
//! tenant's chain.
//!
//! The export is written from the store alone, so `suveren audit export
//! --data DIR` can produce it from a read-only database while the server
//! runs, and an auditor gets the same bytes through the API.

use std::io::Write;
use std::path::Path;

use suveren_audit::{AuditKey, ExportLine, Record};
use suveren_store::{Store, StoreError};

use crate::{now_rfc3339, App, Ctx, Result, ServiceError};

/// The installation's audit signing key, relative to the data folder.
pub const KEY_FILE: &str = "keys/audit-ed25519.pem";

/// Refuses key files others could read: a leaked signing key would let
/// anyone forge checkpoints.
pub fn check_private(path: &Path) -> std::io::Result<()> {
    use std::os::unix::fs::PermissionsExt;
    let mode = std::fs::metadata(path)?.permissions().mode();
    if mode & 0o077 != 0 {
        return Err(std::io::Error::new(
            std::io::ErrorKind::PermissionDenied,
            format!("{} is readable by others (mode {:o}); run chmod 600 on it", path.display(), mode & 0o777),
        ));
    }
    Ok(())
}

/// Writes a file that only the owner can read, atomically.
pub fn write_private(path: &Path, contents: &[u8]) -> std::io::Result<()> {
    use std::os::unix::fs::OpenOptionsExt;
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)?;
    }
    let tmp = path.with_extension("tmp");
    {
        let mut f = std::fs::OpenOptions::new().write(true).create(true).truncate(true).mode(0o600).open(&tmp)?;
        f.write_all(contents)?;
        f.sync_all()?;
    }
    std::fs::rename(&tmp, path)
}

pub fn load_key(data_dir: &Path) -> Result<AuditKey> {
    let path = data_dir.join(KEY_FILE);
    check_private(&path).map_err(StoreError::from)?;
    let pem = std::fs::read_to_string(&path).map_err(StoreError::from)?;
    AuditKey::from_pkcs8_pem(&pem).map_err(|e| ServiceError::Internal(format!("{}: {e}", path.display())))
}

pub fn load_or_create_key(data_dir: &Path) -> Result<AuditKey> {
    let path = data_dir.join(KEY_FILE);
    if path.exists() {
        return load_key(data_dir);
    }
    let key = AuditKey::generate();
    write_private(&path, key.to_pkcs8_pem().as_bytes()).map_err(StoreError::from)?;
    Ok(key)
}

/// Streams a tenant's whole chain as JSON lines: header, records with the
/// stored checkpoints after the record they cover, and a final checkpoint
/// signed now over the last record, so a truncated export does not verify.
pub async fn export<W: Write + Send>(store: &dyn Store, key: &AuditKey, tenant: &str, out: &mut W) -> Result<u64> {
    let io = |e: std::io::Error| ServiceError::Store(StoreError::Io(e));
    suveren_audit::write_line(
        out,
        &ExportLine::Header {
            format: 1,
            tenant: tenant.to_string(),
            algorithm: "ed25519".into(),
            public_key: key.public_key_b64(),
            key_id: key.key_id(),
            exported_at: now_rfc3339(),
        },
    )
    .map_err(io)?;
    let checkpoints = store.checkpoints(tenant).await?;
    let mut cps = checkpoints.into_iter().filter(|c| c.key_id == key.key_id()).peekable();
    let mut after = 0u64;
    let mut last: Option<Record> = None;
    let mut count = 0;
    loop {
        let page = store.audit_after(tenant, after, 1000).await?;
        if page.is_empty() {
            break;
        }
        for r in page {
            after = r.seq;
            let (seq, hash) = (r.seq, r.hash.clone());
            suveren_audit::write_line(out, &ExportLine::Record(r.clone())).map_err(io)?;
            count += 1;
            while let Some(cp) = cps.peek() {
                if cp.seq < seq {
                    cps.next();
                } else if cp.seq == seq && cp.hash == hash {
                    suveren_audit::write_line(out, &ExportLine::Checkpoint(cps.next().expect("peeked"))).map_err(io)?;
                } else {
                    break;
                }
            }
            last = Some(r);
        }
    }
    if let Some(r) = last {
        let cp = key.checkpoint(tenant, r.seq, &r.hash, &now_rfc3339());
        suveren_audit::write_line(out, &ExportLine::Checkpoint(cp)).map_err(io)?;
    }
    out.flush().map_err(io)?;
    Ok(count)
}

impl App {
    /// Records of the caller's tenant after `after`, for browsing.
    pub async fn audit_records(&self, ctx: &Ctx, tenant: &str, after: u64, limit: u32) -> Result<Vec<Record>> {
        let permit = self.gate(ctx, &suveren_policy::Resource::Tenant(tenant)).await?;
        let recs = self.store.audit_after(tenant, after, limit.clamp(1, 1000)).await?;
        self.commit(suveren_store::Batch::new().audit(self.allowed(ctx, &permit, tenant))).await?;
        Ok(recs)
    }

    /// Export for an auditor through the API; the export itself is audited.
    pub async fn audit_export(&self, ctx: &Ctx, tenant: &str) -> Result<Vec<u8>> {
        let permit = self.gate(ctx, &suveren_policy::Resource::Tenant(tenant)).await?;
        self.commit(suveren_store::Batch::new().audit(self.allowed(ctx, &permit, tenant))).await?;
        let mut buf = Vec::new();
        export(self.store.as_ref(), &self.audit_key, tenant, &mut buf).await?;
        Ok(buf)
    }
}
