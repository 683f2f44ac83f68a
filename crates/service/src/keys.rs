//! Tenant keys (trust-model rule 6): which provider protects each tenant's
//! KEK, unlocking a passphrase-held KEK, online rotation, and the
//! crypto-shredding of an off-boarded tenant.
//!
//! A tenant's KEK record is the store document `kek/<tenant>`:
//!
//! ```json
//! {"provider": "master-key-file" | "passphrase" | "pkcs11",
//!  "wrapped": "<base64>",            // the current KEK, wrapped by provider
//!  "previous": "<base64>",           // only while a rotation runs
//!  "rotation": {"started", "by", "pass", "cursor", "checked", ...},
//!  "rotated": 1700000000000}         // when the last rotation finished
//! ```
//!
//! Switching provider rewraps only the KEK (one small write). A rotation
//! generates a new KEK, keeps the old one as `previous` (same provider), and
//! a background step rewraps every blob's data key in batches, keeping its
//! cursor in the record so a restart resumes where it stopped. Readers and
//! writers never stop: the in-memory KEK carries the old key as retired
//! until the rotation destroys it. Deleting a tenant deletes its KEK record
//! in the transaction that removes its directory and drive metadata: the
//! blob files that remain (on disk, in backups) open with nothing the
//! installation holds.

use std::collections::HashMap;
use std::sync::{Arc, RwLock};

use base64::Engine;
use serde::{Deserialize, Serialize};
use suveren_audit::{Draft, Outcome};
use suveren_blob::{KeyProvider, MasterKeyFile, Passphrase, Rewrap, TenantKek};
use suveren_policy::Resource;
use suveren_store::{Batch, Op};
use tokio::sync::Mutex;

use crate::drive::{blob_err, now_ms, KEK_KIND};
use crate::{App, Ctx, Result, ServiceError};

/// The master key file, relative to the data folder.
pub const MASTER_KEY_FILE: &str = "keys/master.key";
/// Shortest passphrase accepted, as for passwords: it is all that stands
/// between a stolen data folder and the tenant's content.
const MIN_PASSPHRASE: usize = 12;
/// Blobs rewrapped per background step and tenant (one audit record each).
pub const ROTATION_BATCH: u32 = 256;

fn b64() -> base64::engine::GeneralPurpose {
    base64::engine::general_purpose::STANDARD
}

/// Which provider wraps a tenant's KEK.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ProviderKind {
    /// The installation's master key file (the default).
    MasterKeyFile,
    /// A passphrase held by the tenant's administrators.
    Passphrase,
    /// An AES key in a hardware security module, through PKCS#11.
    Pkcs11,
}

impl ProviderKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ProviderKind::MasterKeyFile => "master-key-file",
            ProviderKind::Passphrase => "passphrase",
            ProviderKind::Pkcs11 => "pkcs11",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "master-key-file" => Some(ProviderKind::MasterKeyFile),
            "passphrase" => Some(ProviderKind::Passphrase),
            "pkcs11" => Some(ProviderKind::Pkcs11),
            _ => None,
        }
    }
}

/// Progress of a rotation, persisted in the KEK record after every batch.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Rotation {
    /// Unix milliseconds.
    pub started: i64,
    /// Login of the administrator who started it.
    pub by: String,
    /// 1: rewrap everything after the cursor; 2: one more pass from the
    /// start, which catches blobs written under the old KEK by requests
    /// that were already running when the rotation began.
    pub pass: u8,
    /// Last blob key handled in this pass.
    pub cursor: String,
    /// Blobs looked at, in both passes.
    pub checked: u64,
    /// v2 blobs whose wrapped key was replaced.
    pub rewrapped: u64,
    /// v1 blobs written again as v2.
    pub reencrypted: u64,
    /// Blobs neither KEK opens (damaged before the rotation); reported,
    /// never silently dropped.
    pub unreadable: u64,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
struct KekRecord {
    provider: ProviderKind,
    wrapped: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    previous: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    rotation: Option<Rotation>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    rotated: Option<i64>,
}

impl KekRecord {
    fn decode_wrapped(s: &str, tenant: &str) -> Result<Vec<u8>> {
        b64().decode(s).map_err(|_| ServiceError::Internal(format!("the stored key of tenant {tenant} is malformed")))
    }
}

/// What a tenant administrator sees of the tenant's key.
#[derive(Debug, Clone, Serialize)]
pub struct KeyStatus {
    pub tenant: String,
    pub provider: ProviderKind,
    /// The KEK is not in memory and cannot be unwrapped without a tenant
    /// administrator (passphrase) or a configured HSM: content answers 503.
    pub locked: bool,
    pub rotation: Option<Rotation>,
    /// When the last rotation finished (Unix milliseconds).
    pub rotated: Option<i64>,
    /// Whether this server has a PKCS#11 module configured.
    pub pkcs11_available: bool,
}

/// A KEK in memory, and the passphrase provider that unwrapped it (kept to
/// wrap a rotation's new KEK without asking again).
struct Loaded {
    kek: Arc<TenantKek>,
    passphrase: Option<Arc<Passphrase>>,
}

/// The providers and the KEKs in memory.
pub struct KeyRuntime {
    master: Arc<dyn KeyProvider>,
    pkcs11: RwLock<Option<Arc<dyn KeyProvider>>>,
    loaded: Mutex<HashMap<String, Loaded>>,
    /// One rotation step at a time, whoever calls it.
    stepping: Mutex<()>,
}

impl KeyRuntime {
    pub(crate) fn open(data_dir: &std::path::Path) -> Result<Self> {
        std::fs::create_dir_all(data_dir.join("keys")).map_err(suveren_store::StoreError::from)?;
        let master = MasterKeyFile::load_or_create(data_dir.join(MASTER_KEY_FILE)).map_err(blob_err)?;
        Ok(KeyRuntime {
            master: Arc::new(master),
            pkcs11: RwLock::new(None),
            loaded: Mutex::new(HashMap::new()),
            stepping: Mutex::new(()),
        })
    }

    pub(crate) fn pkcs11(&self) -> Option<Arc<dyn KeyProvider>> {
        self.pkcs11.read().unwrap_or_else(|e| e.into_inner()).clone()
    }
}

/// Which provider wraps each tenant's KEK, from the stored records: what a
/// restored installation needs besides its database (the master key file,
/// a tenant's passphrase, the HSM).
pub async fn kek_providers(store: &dyn suveren_store::Store) -> Result<Vec<(String, ProviderKind)>> {
    let mut out = Vec::new();
    for o in store.list(KEK_KIND, None).await? {
        let rec: KekRecord = o.decode()?;
        out.push((o.key, rec.provider));
    }
    Ok(out)
}

/// Whether a master key opens the KEKs it wraps in a database.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MasterKeyCheck {
    /// Tenants whose KEK (and previous KEK during a rotation) it opens.
    pub opened: Vec<String>,
    /// Tenants whose master-key-wrapped KEK it does not open: the key
    /// belongs to another installation, or the record is damaged.
    pub failed: Vec<String>,
}

/// Tries `master` on every KEK record wrapped by the master key file, for a
/// restore checking the key it is given against the database it restores.
pub async fn check_master_key(store: &dyn suveren_store::Store, master: &dyn KeyProvider) -> Result<MasterKeyCheck> {
    let mut out = MasterKeyCheck::default();
    for o in store.list(KEK_KIND, None).await? {
        let rec: KekRecord = o.decode()?;
        if rec.provider != ProviderKind::MasterKeyFile {
            continue;
        }
        let mut ok = true;
        for w in std::iter::once(&rec.wrapped).chain(rec.previous.as_ref()) {
            let opened = match KekRecord::decode_wrapped(w, &o.key) {
                Ok(bytes) => master.unwrap_kek(&o.key, &bytes).await.is_ok(),
                Err(_) => false,
            };
            ok &= opened;
        }
        if ok {
            out.opened.push(o.key);
        } else {
            out.failed.push(o.key);
        }
    }
    Ok(out)
}

fn stale(e: ServiceError) -> ServiceError {
    match e {
        ServiceError::Store(suveren_store::StoreError::Stale { .. }) => {
            ServiceError::Conflict(crate::messages::KEY_STALE.into())
        }
        e => e,
    }
}

impl App {
    /// Installs the PKCS#11 provider (from `keys.pkcs11` in the
    /// configuration); tenants whose KEK it wraps become readable.
    pub fn set_pkcs11_provider(&self, provider: Arc<dyn KeyProvider>) {
        *self.drive.keys.pkcs11.write().unwrap_or_else(|e| e.into_inner()) = Some(provider);
    }

    fn tenant_display(&self, tenant: &str) -> String {
        self.snapshot().dir.tenants.get(tenant).map(|t| t.name.clone()).unwrap_or_else(|| tenant.to_string())
    }

    fn locked_error(&self, tenant: &str, kind: ProviderKind) -> ServiceError {
        let name = self.tenant_display(tenant);
        let template = match kind {
            ProviderKind::Pkcs11 => crate::messages::KEY_HSM,
            _ => crate::messages::KEY_LOCKED,
        };
        ServiceError::Unavailable(crate::messages::fill(template, &[("tenant", &name)]))
    }

    async fn kek_record(&self, tenant: &str) -> Result<Option<(String, KekRecord)>> {
        match self.store.get(KEK_KIND, tenant).await? {
            Some(o) => {
                let rec: KekRecord = o.decode()?;
                Ok(Some((o.body, rec)))
            }
            None => Ok(None),
        }
    }

    /// A provider that needs nothing from a tenant administrator.
    fn unattended(&self, tenant: &str, kind: ProviderKind) -> Result<Arc<dyn KeyProvider>> {
        match kind {
            ProviderKind::MasterKeyFile => Ok(self.drive.keys.master.clone()),
            ProviderKind::Pkcs11 => self.drive.keys.pkcs11().ok_or_else(|| self.locked_error(tenant, kind)),
            ProviderKind::Passphrase => Err(self.locked_error(tenant, kind)),
        }
    }

    /// Unwraps the record's KEK, with the previous one as retired while a
    /// rotation runs.
    async fn unwrap_record(&self, tenant: &str, rec: &KekRecord, provider: &dyn KeyProvider) -> Result<TenantKek> {
        let open = |e: suveren_blob::Error| match e {
            suveren_blob::Error::Provider(m) => {
                let tenant = self.tenant_display(tenant);
                let args = [("tenant", tenant.as_str()), ("problem", m.as_str())];
                ServiceError::Unavailable(crate::messages::fill(crate::messages::KEY_PROVIDER_DOWN, &args))
            }
            other => blob_err(other),
        };
        let current =
            provider.unwrap_kek(tenant, &KekRecord::decode_wrapped(&rec.wrapped, tenant)?).await.map_err(open)?;
        match &rec.previous {
            Some(p) => {
                let old = provider.unwrap_kek(tenant, &KekRecord::decode_wrapped(p, tenant)?).await.map_err(open)?;
                current.retiring(&old).map_err(blob_err)
            }
            None => Ok(current),
        }
    }

    /// The tenant's KEK, unwrapped once and kept in memory; created (under
    /// the master key file) on the tenant's first write. A KEK held by a
    /// passphrase is available only after a tenant administrator unlocked
    /// it; until then this answers [`ServiceError::Unavailable`] (503).
    pub(crate) async fn kek(&self, tenant: &str) -> Result<Arc<TenantKek>> {
        let mut loaded = self.drive.keys.loaded.lock().await;
        if let Some(l) = loaded.get(tenant) {
            return Ok(l.kek.clone());
        }
        let kek = match self.kek_record(tenant).await? {
            Some((_, rec)) => {
                let provider = self.unattended(tenant, rec.provider)?;
                self.unwrap_record(tenant, &rec, provider.as_ref()).await?
            }
            None => {
                let kek = TenantKek::generate(tenant);
                let wrapped = self.drive.keys.master.wrap_kek(&kek).await.map_err(blob_err)?;
                let rec = KekRecord {
                    provider: ProviderKind::MasterKeyFile,
                    wrapped: b64().encode(wrapped),
                    previous: None,
                    rotation: None,
                    rotated: None,
                };
                self.commit(Batch::new().op(Op::insert(KEK_KIND, tenant, tenant, None, &rec))).await?;
                kek
            }
        };
        let kek = Arc::new(kek);
        loaded.insert(tenant.to_string(), Loaded { kek: kek.clone(), passphrase: None });
        Ok(kek)
    }

    /// Another node changed the tenant's key record (a rotation began or
    /// ended, the provider changed): drop the KEK this node holds so the next
    /// use unwraps the record as it now is. A passphrase unlock is kept by
    /// re-opening the record with the passphrase this node was given; if that
    /// no longer opens it, the tenant is locked here until unlocked again.
    pub(crate) async fn refresh_kek(&self, tenant: &str) -> Result<()> {
        let mut loaded = self.drive.keys.loaded.lock().await;
        let Some(old) = loaded.remove(tenant) else { return Ok(()) };
        if let (Some(p), Some((_, rec))) = (old.passphrase, self.kek_record(tenant).await?) {
            if rec.provider == ProviderKind::Passphrase {
                match self.unwrap_record(tenant, &rec, p.as_ref()).await {
                    Ok(kek) => {
                        loaded.insert(tenant.to_string(), Loaded { kek: Arc::new(kek), passphrase: Some(p) });
                    }
                    Err(e) => tracing::warn!(tenant, error = %e, "the key changed on another node; locked here"),
                }
            }
        }
        Ok(())
    }

    /// [`App::refresh_kek`] for every tenant this node holds a key of.
    pub(crate) async fn refresh_all_keks(&self) -> Result<()> {
        let held: Vec<String> = self.drive.keys.loaded.lock().await.keys().cloned().collect();
        for t in held {
            self.refresh_kek(&t).await?;
        }
        Ok(())
    }

    async fn key_admin(&self, ctx: &Ctx, tenant: &str) -> Result<crate::Permit> {
        let snap = self.snapshot();
        let permit = self.gate_in(&snap, ctx, &Resource::Tenant(tenant)).await?;
        if !snap.dir.tenants.contains_key(tenant) {
            return Err(ServiceError::NotFound);
        }
        Ok(permit)
    }

    fn key_draft(&self, ctx: &Ctx, permit: &crate::Permit, tenant: &str, reason: String) -> Draft {
        let mut d = self.allowed(ctx, permit, tenant);
        d.resource = format!("key:{tenant}");
        d.reason = Some(reason);
        d
    }

    pub(crate) async fn status_of(&self, tenant: &str) -> Result<KeyStatus> {
        let rec = match self.kek_record(tenant).await? {
            Some((_, rec)) => rec,
            // No content yet: the key is made (master key file) on first write.
            None => {
                return Ok(KeyStatus {
                    tenant: tenant.into(),
                    provider: ProviderKind::MasterKeyFile,
                    locked: false,
                    rotation: None,
                    rotated: None,
                    pkcs11_available: self.drive.keys.pkcs11().is_some(),
                })
            }
        };
        let in_memory = self.drive.keys.loaded.lock().await.contains_key(tenant);
        let locked = !in_memory && self.unattended(tenant, rec.provider).is_err();
        Ok(KeyStatus {
            tenant: tenant.into(),
            provider: rec.provider,
            locked,
            rotation: rec.rotation,
            rotated: rec.rotated,
            pkcs11_available: self.drive.keys.pkcs11().is_some(),
        })
    }

    /// The tenant's key: provider, locked or not, rotation progress.
    pub async fn key_status(&self, ctx: &Ctx, tenant: &str) -> Result<KeyStatus> {
        self.key_admin(ctx, tenant).await?;
        self.status_of(tenant).await
    }

    /// Unlocks a passphrase-held KEK into memory. A wrong passphrase is
    /// refused and audited; nothing is stored.
    pub async fn unlock_key(&self, ctx: &Ctx, tenant: &str, passphrase: &str) -> Result<KeyStatus> {
        let permit = self.key_admin(ctx, tenant).await?;
        let (_, rec) =
            self.kek_record(tenant).await?.ok_or_else(|| ServiceError::Conflict(crate::messages::KEY_NONE.into()))?;
        if rec.provider != ProviderKind::Passphrase {
            return Err(ServiceError::Conflict(format!(
                "{}'s key is protected by the {} provider, not a passphrase.",
                self.tenant_display(tenant),
                rec.provider.as_str()
            )));
        }
        let provider = Arc::new(Passphrase::new(passphrase));
        let mut loaded = self.drive.keys.loaded.lock().await;
        match self.unwrap_record(tenant, &rec, provider.as_ref()).await {
            Ok(kek) => {
                loaded.insert(tenant.to_string(), Loaded { kek: Arc::new(kek), passphrase: Some(provider) });
                drop(loaded);
                let d = self.key_draft(ctx, &permit, tenant, "key unlocked with the tenant's passphrase".into());
                self.commit(Batch::new().audit(d)).await?;
                self.status_of(tenant).await
            }
            Err(ServiceError::Internal(_)) => {
                drop(loaded);
                let why = "the passphrase does not unlock the tenant's key".to_string();
                let d = self.draft(ctx, tenant, format!("key:{tenant}"), Outcome::Deny, Some(why));
                self.commit(Batch::new().audit(d)).await?;
                let tenant = self.tenant_display(tenant);
                Err(ServiceError::invalid(crate::messages::fill(
                    crate::messages::KEY_WRONG_PASSPHRASE,
                    &[("tenant", &tenant)],
                )))
            }
            Err(e) => Err(e),
        }
    }

    /// Drops a passphrase-held KEK from memory at once (an administrator
    /// leaving, an incident): content answers 503 until the next unlock.
    pub async fn lock_key(&self, ctx: &Ctx, tenant: &str) -> Result<KeyStatus> {
        let permit = self.key_admin(ctx, tenant).await?;
        let rec = self.kek_record(tenant).await?.map(|r| r.1);
        if rec.as_ref().map(|r| r.provider) != Some(ProviderKind::Passphrase) {
            return Err(ServiceError::Conflict(
                "Only a passphrase-held key can be locked; the server unlocks the others by itself.".into(),
            ));
        }
        self.drive.keys.loaded.lock().await.remove(tenant);
        self.commit(Batch::new().audit(self.key_draft(ctx, &permit, tenant, "key locked".into()))).await?;
        self.status_of(tenant).await
    }

    /// Moves the tenant's KEK to another provider: unwraps it (it must be
    /// available) and wraps it anew; no blob is touched.
    pub async fn set_key_provider(
        &self,
        ctx: &Ctx,
        tenant: &str,
        kind: ProviderKind,
        passphrase: Option<&str>,
    ) -> Result<KeyStatus> {
        let permit = self.key_admin(ctx, tenant).await?;
        let kek = self.kek(tenant).await?;
        let mut loaded = self.drive.keys.loaded.lock().await;
        let (body, rec) = self.kek_record(tenant).await?.ok_or(ServiceError::NotFound)?;
        if rec.rotation.is_some() {
            return Err(ServiceError::Conflict(
                "A key rotation is running; change the provider when it has finished.".into(),
            ));
        }
        let (provider, pass): (Arc<dyn KeyProvider>, Option<Arc<Passphrase>>) = match kind {
            ProviderKind::Passphrase => {
                let p =
                    passphrase.ok_or_else(|| ServiceError::invalid("The passphrase provider needs a passphrase."))?;
                if p.chars().count() < MIN_PASSPHRASE {
                    return Err(ServiceError::invalid(format!(
                        "A key passphrase has at least {MIN_PASSPHRASE} characters."
                    )));
                }
                let p = Arc::new(Passphrase::new(p));
                (p.clone(), Some(p))
            }
            ProviderKind::Pkcs11 => (
                self.drive.keys.pkcs11().ok_or_else(|| {
                    ServiceError::invalid("This server has no PKCS#11 module configured (keys.pkcs11).")
                })?,
                None,
            ),
            ProviderKind::MasterKeyFile => (self.drive.keys.master.clone(), None),
        };
        let wrapped = provider.wrap_kek(&kek).await.map_err(blob_err)?;
        let new = KekRecord { provider: kind, wrapped: b64().encode(wrapped), ..rec.clone() };
        let reason = format!("key provider {} -> {}", rec.provider.as_str(), kind.as_str());
        let obj = suveren_store::object(KEK_KIND, tenant, tenant, None, &new);
        let batch = Batch::new()
            .op(Op::Swap { object: obj, expected: body })
            .audit(self.key_draft(ctx, &permit, tenant, reason));
        self.commit(batch).await.map_err(stale)?;
        loaded.insert(tenant.to_string(), Loaded { kek, passphrase: pass });
        drop(loaded);
        self.status_of(tenant).await
    }

    /// Starts an online rotation: a new KEK wraps every new data key at
    /// once; the background step rewraps the existing ones and then
    /// destroys the old KEK.
    pub async fn start_key_rotation(&self, ctx: &Ctx, tenant: &str) -> Result<KeyStatus> {
        let permit = self.key_admin(ctx, tenant).await?;
        let old = self.kek(tenant).await?;
        let mut loaded = self.drive.keys.loaded.lock().await;
        let (body, rec) = self.kek_record(tenant).await?.ok_or(ServiceError::NotFound)?;
        if rec.rotation.is_some() {
            return Err(ServiceError::Conflict("A key rotation is already running.".into()));
        }
        let pass = loaded.get(tenant).and_then(|l| l.passphrase.clone());
        let provider: Arc<dyn KeyProvider> = match (rec.provider, &pass) {
            (ProviderKind::Passphrase, Some(p)) => p.clone(),
            (kind, _) => self.unattended(tenant, kind)?,
        };
        let new = TenantKek::generate(tenant);
        let wrapped = provider.wrap_kek(&new).await.map_err(blob_err)?;
        let me = ctx.actor.login().to_string();
        let next = KekRecord {
            provider: rec.provider,
            wrapped: b64().encode(wrapped),
            previous: Some(rec.wrapped.clone()),
            rotation: Some(Rotation {
                started: now_ms(),
                by: me,
                pass: 1,
                cursor: String::new(),
                checked: 0,
                rewrapped: 0,
                reencrypted: 0,
                unreadable: 0,
            }),
            rotated: rec.rotated,
        };
        let obj = suveren_store::object(KEK_KIND, tenant, tenant, None, &next);
        let batch = Batch::new().op(Op::Swap { object: obj, expected: body }).audit(self.key_draft(
            ctx,
            &permit,
            tenant,
            "key rotation started".into(),
        ));
        self.commit(batch).await.map_err(stale)?;
        // The in-memory KEK changes under the same lock as the record, so no
        // write can pick up the old KEK after this point.
        let kek = Arc::new(new.retiring(&old).map_err(blob_err)?);
        loaded.insert(tenant.to_string(), Loaded { kek, passphrase: pass });
        drop(loaded);
        self.status_of(tenant).await
    }

    /// One background step of every running rotation: rewraps up to
    /// `limit` blobs per tenant after its cursor and stores the progress
    /// with an audit record; finishes (destroying the old KEK) after the
    /// second pass. A tenant whose KEK is locked waits. Returns the number
    /// of blobs looked at, so callers (tests, the upkeep task) can loop.
    pub async fn rotate_keys_step(&self, limit: u32) -> Result<u64> {
        let _one = self.drive.keys.stepping.lock().await;
        let mut total = 0;
        for o in self.store.list(KEK_KIND, None).await? {
            let rec: KekRecord = o.decode()?;
            if rec.rotation.is_none() {
                continue;
            }
            let tenant = o.key.clone();
            let kek = match self.kek(&tenant).await {
                Ok(k) => k,
                Err(ServiceError::Unavailable(_)) => continue,
                Err(e) => return Err(e),
            };
            total += self.rotation_batch(&tenant, &kek, limit.max(1)).await?;
        }
        Ok(total)
    }

    async fn rotation_batch(&self, tenant: &str, kek: &Arc<TenantKek>, limit: u32) -> Result<u64> {
        // A backup copying blobs must find each one as its snapshot knew it.
        let Some(_change) = crate::backup::try_blob_change(&self.data_dir) else { return Ok(0) };
        let Some((_, rec)) = self.kek_record(tenant).await? else { return Ok(0) };
        let Some(mut rot) = rec.rotation.clone() else { return Ok(0) };
        let keys = self.store.tenant_blobs_after(tenant, &rot.cursor, limit).await?;
        let (mut rewrapped, mut reencrypted, mut unreadable) = (0u64, 0u64, 0u64);
        for key in &keys {
            match self.drive.blobs.rewrap(kek, key).await {
                Ok(Rewrap::Rewrapped) => rewrapped += 1,
                Ok(Rewrap::Reencrypted) => reencrypted += 1,
                Ok(Rewrap::Current | Rewrap::Missing) => {}
                Err(suveren_blob::Error::Corrupt(why)) => {
                    tracing::warn!(tenant, blob = %key, why, "a blob opens with neither KEK; left as it is");
                    unreadable += 1;
                }
                // A concurrent change or an I/O error: stop here, retry later
                // from the stored cursor.
                Err(e) => return Err(blob_err(e)),
            }
        }
        rot.checked += keys.len() as u64;
        rot.rewrapped += rewrapped;
        rot.reencrypted += reencrypted;
        rot.unreadable += unreadable;
        if let Some(last) = keys.last() {
            rot.cursor = last.clone();
        }
        let pass_done = (keys.len() as u32) < limit;
        if pass_done && rot.pass >= 2 {
            // Uploads in progress carry a wrapped data key too: rewrap them
            // before the old KEK goes, so they can still be finished.
            for o in self.store.list(crate::drive::UPLOAD_KIND, Some(tenant)).await? {
                let u: crate::drive::Upload = o.decode()?;
                match self.drive.blobs.rewrap_upload(kek, &u.blob).await {
                    Ok(Rewrap::Rewrapped) => rot.rewrapped += 1,
                    Ok(_) => {}
                    Err(suveren_blob::Error::Corrupt(why)) => {
                        tracing::warn!(tenant, upload = %u.id, why, "an upload in progress cannot be rewrapped; it will have to start over");
                        rot.unreadable += 1;
                    }
                    Err(e) => return Err(blob_err(e)),
                }
            }
        }
        let mut loaded = self.drive.keys.loaded.lock().await;
        let (body, rec) = self.kek_record(tenant).await?.ok_or(ServiceError::NotFound)?;
        let mut next = rec.clone();
        let reason;
        let finished = pass_done && rot.pass >= 2;
        if finished {
            next.previous = None;
            next.rotation = None;
            next.rotated = Some(now_ms());
            reason = format!(
                "key rotation finished: {} blobs checked, {} rewrapped, {} re-encrypted, {} unreadable; the previous key was destroyed",
                rot.checked, rot.rewrapped, rot.reencrypted, rot.unreadable
            );
        } else {
            reason = format!(
                "key rotation pass {}: {} blobs, {} rewrapped, {} re-encrypted, {} unreadable",
                rot.pass,
                keys.len(),
                rewrapped,
                reencrypted,
                unreadable
            );
            if pass_done {
                rot.pass = 2;
                rot.cursor = String::new();
            }
            next.rotation = Some(rot);
        }
        let obj = suveren_store::object(KEK_KIND, tenant, tenant, None, &next);
        let batch = Batch::new().op(Op::Swap { object: obj, expected: body }).audit(system_draft(tenant, reason));
        self.commit(batch).await?;
        if finished {
            if let Some(l) = loaded.get_mut(tenant) {
                l.kek = Arc::new(l.kek.current_only());
            }
        }
        Ok(keys.len() as u64)
    }

    /// Off-boarding (operator): deletes a suspended tenant — directory,
    /// drives metadata, sessions and its KEK record — in one transaction
    /// with the operator-realm audit record, and forgets the KEK in memory.
    /// The blob files are queued for the sweeper, but whatever copies
    /// survive (disks, backups) decrypt with nothing the installation holds.
    pub async fn delete_tenant(&self, ctx: &Ctx, tenant: &str, confirm: &str) -> Result<()> {
        let snap = self.snapshot();
        let permit = self.gate_in(&snap, ctx, &Resource::Tenant(tenant)).await?;
        let t = snap.dir.tenants.get(tenant).ok_or(ServiceError::NotFound)?;
        if confirm != tenant {
            return Err(ServiceError::invalid(format!(
                "Deleting {} destroys its key and all its content for good; confirm with its id `{tenant}`.",
                t.name
            )));
        }
        if !t.suspended {
            return Err(ServiceError::Conflict(format!(
                "Suspend {} first: only a suspended tenant can be deleted.",
                t.name
            )));
        }
        if snap.dir.links.iter().any(|l| l.tenant_a == tenant || l.tenant_b == tenant) {
            return Err(ServiceError::Conflict(format!("{} is part of federation links; remove them first.", t.name)));
        }
        // A legal hold suspends every deletion; off-boarding is one.
        let holds = self.store.list(suveren_store::retention::HOLD_KIND, Some(tenant)).await?;
        let active = holds
            .iter()
            .filter(|o| o.decode::<suveren_domain::retention::LegalHold>().map_or(true, |h| h.released.is_none()))
            .count();
        if active > 0 {
            return Err(ServiceError::Conflict(format!(
                "{} has {active} legal hold(s) in force; its administrators must release them before it can be deleted.",
                t.name
            )));
        }
        let mut d = self.allowed(ctx, &permit, suveren_domain::OPERATOR_REALM);
        d.resource = format!("tenant:{tenant}");
        d.reason = Some(format!("tenant {} deleted; its key was destroyed (crypto-shredding)", t.name));
        let mut loaded = self.drive.keys.loaded.lock().await;
        let recs = self.store.purge_tenant(tenant, now_ms(), vec![d]).await?;
        loaded.remove(tenant);
        drop(loaded);
        self.after_commit(&recs).await?;
        self.reload().await?;
        self.drive.reload(self.store.as_ref()).await?;
        // Its lockbox requests went with its documents: no grant outlives it.
        self.load_grants().await?;
        self.announce(crate::cluster::ALL).await;
        Ok(())
    }
}

/// An audit record of the server's own background work on a tenant's key.
fn system_draft(tenant: &str, reason: String) -> Draft {
    Draft {
        tenant: tenant.to_string(),
        time: crate::now_rfc3339(),
        actor: "system".into(),
        acting_under: None,
        action: suveren_policy::Action::KeyManage.name().to_string(),
        resource: format!("key:{tenant}"),
        decision: Outcome::Allow,
        reason: Some(reason),
        client: None,
    }
}
