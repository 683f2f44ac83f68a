//! Key hierarchy of trust-model rule 6: a key provider wraps each tenant's
//! KEK, the KEK wraps one data key per blob. Destroying a wrapped KEK
//! crypto-shreds every blob of that tenant.

use std::fmt;
use std::fs::{File, OpenOptions};
use std::io::{Read, Write};
use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
use std::path::Path;

use async_trait::async_trait;
use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use rand::rngs::OsRng;
use rand::RngCore;
use zeroize::Zeroizing;

use crate::error::{Error, Result};

/// Length of every symmetric key in the hierarchy.
pub const KEY_LEN: usize = 32;
const NONCE_LEN: usize = 24;
const TAG_LEN: usize = 16;
/// A wrapped key is `nonce ‖ ciphertext ‖ tag`.
pub const WRAPPED_KEY_LEN: usize = NONCE_LEN + KEY_LEN + TAG_LEN;

/// Domain separation, so a wrapped KEK can never be passed off as a wrapped
/// data key or the other way round.
const KEK_DOMAIN: &[u8] = b"suveren/kek/v1";
const DEK_DOMAIN: &[u8] = b"suveren/dek/v1";

pub(crate) type Key = Zeroizing<[u8; KEY_LEN]>;

fn random_key() -> Key {
    let mut k = Zeroizing::new([0u8; KEY_LEN]);
    OsRng.fill_bytes(k.as_mut());
    k
}

/// Length-prefixed fields, so ("ab","c") and ("a","bc") never share an AAD.
pub(crate) fn aad(domain: &[u8], fields: &[&str]) -> Vec<u8> {
    let mut out = domain.to_vec();
    for f in fields {
        out.extend_from_slice(&(f.len() as u32).to_be_bytes());
        out.extend_from_slice(f.as_bytes());
    }
    out
}

fn seal_key(wrapping: &Key, aad: &[u8], key: &Key) -> [u8; WRAPPED_KEY_LEN] {
    let mut nonce = [0u8; NONCE_LEN];
    OsRng.fill_bytes(&mut nonce);
    let ct = XChaCha20Poly1305::new(wrapping.as_ref().into())
        .encrypt(XNonce::from_slice(&nonce), Payload { msg: key.as_ref(), aad })
        .expect("XChaCha20-Poly1305 encryption of 32 bytes cannot fail");
    let mut out = [0u8; WRAPPED_KEY_LEN];
    out[..NONCE_LEN].copy_from_slice(&nonce);
    out[NONCE_LEN..].copy_from_slice(&ct);
    out
}

fn open_key(wrapping: &Key, aad: &[u8], wrapped: &[u8]) -> Result<Key> {
    if wrapped.len() != WRAPPED_KEY_LEN {
        return Err(Error::Corrupt("wrapped key has the wrong length"));
    }
    let (nonce, ct) = wrapped.split_at(NONCE_LEN);
    let pt = Zeroizing::new(
        XChaCha20Poly1305::new(wrapping.as_ref().into())
            .decrypt(XNonce::from_slice(nonce), Payload { msg: ct, aad })
            .map_err(|_| Error::Corrupt("key unwrap failed"))?,
    );
    let mut key = Zeroizing::new([0u8; KEY_LEN]);
    key.copy_from_slice(&pt);
    Ok(key)
}

/// A tenant's key-encryption key, unwrapped, in memory only as long as
/// needed; the bytes are zeroed on drop and never printed.
///
/// During a rotation it also carries the previous KEK as *retired*: new
/// data keys are wrapped by the current one only, while data keys not yet
/// rewrapped still open with the retired one. So readers and writers keep
/// working throughout, and only the one value changes hands.
#[derive(Clone)]
pub struct TenantKek {
    tenant: String,
    key: Key,
    retired: Option<Key>,
}

impl TenantKek {
    /// A fresh random KEK for a new tenant (or a key rotation).
    pub fn generate(tenant: impl Into<String>) -> Self {
        TenantKek { tenant: tenant.into(), key: random_key(), retired: None }
    }

    pub(crate) fn from_parts(tenant: &str, key: Key) -> Self {
        TenantKek { tenant: tenant.to_owned(), key, retired: None }
    }

    pub(crate) fn key_bytes(&self) -> &[u8; KEY_LEN] {
        &self.key
    }

    /// The tenant this KEK belongs to; bound into every data key it wraps.
    pub fn tenant(&self) -> &str {
        &self.tenant
    }

    /// This KEK, still accepting data keys wrapped by `previous` (the KEK
    /// being rotated away from). Refuses another tenant's KEK.
    pub fn retiring(mut self, previous: &TenantKek) -> Result<Self> {
        if previous.tenant != self.tenant {
            return Err(Error::Provider("a retired KEK must belong to the same tenant".into()));
        }
        self.retired = Some(previous.key.clone());
        Ok(self)
    }

    /// The same key bytes claiming another tenant. Only for tests that
    /// prove crypto-shredding by trying every key the installation still
    /// holds against a deleted tenant's blobs, whatever tenant it was for.
    #[doc(hidden)]
    pub fn reinterpreted_for(&self, tenant: &str) -> TenantKek {
        TenantKek { tenant: tenant.to_owned(), key: self.key.clone(), retired: self.retired.clone() }
    }

    /// Whether a retired KEK is still accepted (a rotation is in progress).
    pub fn has_retired(&self) -> bool {
        self.retired.is_some()
    }

    /// The current KEK alone, without the retired one: what remains once a
    /// rotation has rewrapped every data key.
    pub fn current_only(&self) -> TenantKek {
        TenantKek { tenant: self.tenant.clone(), key: self.key.clone(), retired: None }
    }

    /// Wraps a blob's data key; the AAD binds tenant and blob key, so the
    /// wrapped key is useless in another blob's header or another tenant.
    pub(crate) fn wrap_data_key(&self, blob_key: &str, dek: &DataKey) -> [u8; WRAPPED_KEY_LEN] {
        seal_key(&self.key, &aad(DEK_DOMAIN, &[&self.tenant, blob_key]), &dek.0)
    }

    /// Whether the current KEK (not a retired one) opens `wrapped`.
    pub(crate) fn opens_with_current(&self, blob_key: &str, wrapped: &[u8]) -> bool {
        open_key(&self.key, &aad(DEK_DOMAIN, &[&self.tenant, blob_key]), wrapped).is_ok()
    }

    /// Opens a data key with the current KEK, else with the retired one.
    pub(crate) fn unwrap_data_key(&self, blob_key: &str, wrapped: &[u8]) -> Result<DataKey> {
        let aad = aad(DEK_DOMAIN, &[&self.tenant, blob_key]);
        match open_key(&self.key, &aad, wrapped) {
            Ok(k) => Ok(DataKey(k)),
            Err(e) => match &self.retired {
                Some(old) => open_key(old, &aad, wrapped).map(DataKey),
                None => Err(e),
            },
        }
    }
}

impl fmt::Debug for TenantKek {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TenantKek")
            .field("tenant", &self.tenant)
            .field("key", &"<redacted>")
            .field("retired", &self.retired.is_some())
            .finish()
    }
}

/// One blob's data key; never leaves the crate unwrapped.
pub(crate) struct DataKey(Key);

impl DataKey {
    pub(crate) fn generate() -> Self {
        DataKey(random_key())
    }

    pub(crate) fn cipher(&self) -> XChaCha20Poly1305 {
        XChaCha20Poly1305::new(self.0.as_ref().into())
    }
}

/// Protects tenant KEKs at rest. Async because the non-default providers (a
/// KMS, a passphrase prompt through the admin UI) are remote or interactive.
#[async_trait]
pub trait KeyProvider: Send + Sync {
    /// Wraps `kek` for storage next to the tenant's record.
    async fn wrap_kek(&self, kek: &TenantKek) -> Result<Vec<u8>>;

    /// Recovers the KEK of `tenant`; fails when `wrapped` belongs to another
    /// tenant or was altered.
    async fn unwrap_kek(&self, tenant: &str, wrapped: &[u8]) -> Result<TenantKek>;
}

/// The embedded default provider: a random 32-byte master key in a file in
/// the data folder, mode 0600.
pub struct MasterKeyFile {
    key: Key,
}

impl fmt::Debug for MasterKeyFile {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("MasterKeyFile(<redacted>)")
    }
}

impl MasterKeyFile {
    /// Creates a new master key file; fails if the file exists, so an
    /// existing key (and every blob under it) is never overwritten.
    pub fn create(path: impl AsRef<Path>) -> Result<Self> {
        let path = path.as_ref();
        let key = random_key();
        let mut f = OpenOptions::new().write(true).create_new(true).mode(0o600).open(path)?;
        f.write_all(key.as_ref())?;
        f.sync_all()?;
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            File::open(dir)?.sync_all()?;
        }
        Ok(MasterKeyFile { key })
    }

    /// Loads the master key, refusing a file that group or others may read:
    /// such a key may already have leaked, and an operator must decide.
    pub fn load(path: impl AsRef<Path>) -> Result<Self> {
        let path = path.as_ref();
        let mut f = File::open(path)?;
        // fstat on the open file: no window between the check and the read.
        let mode = f.metadata()?.permissions().mode();
        if mode & 0o077 != 0 {
            return Err(Error::InsecureKeyFile { path: path.display().to_string(), mode: mode & 0o7777 });
        }
        let mut buf = Zeroizing::new(Vec::with_capacity(KEY_LEN + 1));
        Read::take(&mut f, KEY_LEN as u64 + 1).read_to_end(&mut buf)?;
        if buf.len() != KEY_LEN {
            return Err(Error::BadKeyFile(path.display().to_string()));
        }
        let mut key = Zeroizing::new([0u8; KEY_LEN]);
        key.copy_from_slice(&buf);
        Ok(MasterKeyFile { key })
    }

    /// Loads the key, creating it on first start of an installation.
    pub fn load_or_create(path: impl AsRef<Path>) -> Result<Self> {
        let path = path.as_ref();
        match Self::load(path) {
            Err(Error::Io(e)) if e.kind() == std::io::ErrorKind::NotFound => Self::create(path),
            other => other,
        }
    }
}

#[async_trait]
impl KeyProvider for MasterKeyFile {
    async fn wrap_kek(&self, kek: &TenantKek) -> Result<Vec<u8>> {
        Ok(seal_key(&self.key, &aad(KEK_DOMAIN, &[&kek.tenant]), &kek.key).to_vec())
    }

    async fn unwrap_kek(&self, tenant: &str, wrapped: &[u8]) -> Result<TenantKek> {
        let key = open_key(&self.key, &aad(KEK_DOMAIN, &[tenant]), wrapped)?;
        Ok(TenantKek::from_parts(tenant, key))
    }
}

/// Marks a KEK wrapped by a passphrase, and its layout version.
const PASSPHRASE_MAGIC: &[u8; 4] = b"SVP1";
const SALT_LEN: usize = 16;
const PASSPHRASE_DOMAIN: &[u8] = b"suveren/kek-passphrase/v1";
/// Length of a passphrase-wrapped KEK: magic, m/t/p, salt, sealed key.
pub const PASSPHRASE_WRAPPED_LEN: usize = 4 + 12 + SALT_LEN + WRAPPED_KEY_LEN;
/// Upper bounds on stored Argon2 parameters: a forged or corrupted record
/// must not make an unlock allocate gigabytes or run for minutes.
const MAX_M_KIB: u32 = 1 << 20;
const MAX_T: u32 = 10;
const MAX_P: u32 = 8;

/// A tenant-held passphrase as key provider: the KEK is sealed under a key
/// derived with Argon2id (OWASP parameters: 19 MiB, 2 passes, 1 lane) from a
/// passphrase only a tenant administrator knows. Salt and parameters are
/// stored with the wrapped KEK, so parameters can be raised later without
/// breaking old records. The installation cannot unwrap the KEK by itself:
/// the passphrase lives in memory only while the provider does.
pub struct Passphrase {
    secret: Zeroizing<Vec<u8>>,
    m_kib: u32,
    t: u32,
    p: u32,
}

impl fmt::Debug for Passphrase {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Passphrase(<redacted>)")
    }
}

impl Passphrase {
    /// A provider for `passphrase` with the OWASP Argon2id parameters.
    pub fn new(passphrase: &str) -> Self {
        Self::with_params(passphrase, 19 * 1024, 2, 1)
    }

    /// Explicit Argon2id parameters (memory in KiB, passes, lanes) for new
    /// wraps; unwrapping always uses the parameters stored in the record.
    pub fn with_params(passphrase: &str, m_kib: u32, t: u32, p: u32) -> Self {
        Passphrase { secret: Zeroizing::new(passphrase.as_bytes().to_vec()), m_kib, t, p }
    }

    /// Argon2id is deliberately slow: run it off the async threads.
    async fn derive(&self, salt: [u8; SALT_LEN], m: u32, t: u32, p: u32) -> Result<Key> {
        if m > MAX_M_KIB || t > MAX_T || p > MAX_P {
            return Err(Error::Corrupt("passphrase parameters out of range"));
        }
        let secret = self.secret.clone();
        tokio::task::spawn_blocking(move || {
            let params = argon2::Params::new(m, t, p, Some(KEY_LEN))
                .map_err(|_| Error::Corrupt("passphrase parameters out of range"))?;
            let argon = argon2::Argon2::new(argon2::Algorithm::Argon2id, argon2::Version::V0x13, params);
            let mut key = Zeroizing::new([0u8; KEY_LEN]);
            argon
                .hash_password_into(&secret, &salt, key.as_mut())
                .map_err(|_| Error::Provider("the passphrase could not be processed".into()))?;
            Ok(key)
        })
        .await
        .map_err(|e| Error::Io(std::io::Error::other(e)))?
    }
}

#[async_trait]
impl KeyProvider for Passphrase {
    async fn wrap_kek(&self, kek: &TenantKek) -> Result<Vec<u8>> {
        let mut salt = [0u8; SALT_LEN];
        OsRng.fill_bytes(&mut salt);
        let wrapping = self.derive(salt, self.m_kib, self.t, self.p).await?;
        let mut out = Vec::with_capacity(PASSPHRASE_WRAPPED_LEN);
        out.extend_from_slice(PASSPHRASE_MAGIC);
        for v in [self.m_kib, self.t, self.p] {
            out.extend_from_slice(&v.to_be_bytes());
        }
        out.extend_from_slice(&salt);
        out.extend_from_slice(&seal_key(&wrapping, &aad(PASSPHRASE_DOMAIN, &[&kek.tenant]), &kek.key));
        Ok(out)
    }

    async fn unwrap_kek(&self, tenant: &str, wrapped: &[u8]) -> Result<TenantKek> {
        if wrapped.len() != PASSPHRASE_WRAPPED_LEN || &wrapped[..4] != PASSPHRASE_MAGIC {
            return Err(Error::Corrupt("not a passphrase-wrapped key"));
        }
        let num = |i: usize| u32::from_be_bytes(wrapped[4 + 4 * i..8 + 4 * i].try_into().expect("4 bytes"));
        let salt: [u8; SALT_LEN] = wrapped[16..16 + SALT_LEN].try_into().expect("16 bytes");
        let wrapping = self.derive(salt, num(0), num(1), num(2)).await?;
        let key = open_key(&wrapping, &aad(PASSPHRASE_DOMAIN, &[tenant]), &wrapped[16 + SALT_LEN..])?;
        Ok(TenantKek::from_parts(tenant, key))
    }
}
