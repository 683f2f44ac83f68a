//! PKCS#11 key provider: tenant KEKs wrapped by an AES key that lives in a
//! hardware security module (or SoftHSM2) and never leaves it. The token
//! does the AES-256-GCM encryption; the installation holds only the wrapped
//! KEKs and a PIN, so a copy of the data folder without the HSM decrypts
//! nothing.
//!
//! Wrapped layout: `"SVH1" ‖ iv(12) ‖ ciphertext(32) ‖ tag(16)`; the GCM AAD
//! binds a domain string and the tenant, as the other providers do.

use std::collections::HashMap;
use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, OnceLock, PoisonError};

use async_trait::async_trait;
use cryptoki::context::{CInitializeArgs, CInitializeFlags, Pkcs11};
use cryptoki::error::RvError;
use cryptoki::mechanism::aead::GcmParams;
use cryptoki::mechanism::Mechanism;
use cryptoki::object::{Attribute, KeyType, ObjectClass, ObjectHandle};
use cryptoki::session::{Session, UserType};
use cryptoki::types::AuthPin;
use rand::rngs::OsRng;
use rand::RngCore;
use zeroize::Zeroizing;

use crate::error::{Error, Result};
use crate::keys::{aad, KeyProvider, TenantKek, KEY_LEN};

const MAGIC: &[u8; 4] = b"SVH1";
const IV_LEN: usize = 12;
const GCM_TAG: usize = 16;
const DOMAIN: &[u8] = b"suveren/kek-pkcs11/v1";
/// Length of a KEK wrapped by the token.
pub const PKCS11_WRAPPED_LEN: usize = MAGIC.len() + IV_LEN + KEY_LEN + GCM_TAG;

/// Where the wrapping key is: module, token, PIN, key label.
#[derive(Clone)]
pub struct Pkcs11Config {
    /// The vendor's PKCS#11 library, e.g. `/usr/lib/softhsm/libsofthsm2.so`.
    pub module: PathBuf,
    /// Label of the token (slot) that holds the key.
    pub token_label: String,
    /// User PIN of the token.
    pub pin: Zeroizing<String>,
    /// Label of the AES key; created (sensitive, not extractable) when the
    /// token has none of that label.
    pub key_label: String,
}

impl fmt::Debug for Pkcs11Config {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Pkcs11Config")
            .field("module", &self.module)
            .field("token_label", &self.token_label)
            .field("pin", &"<redacted>")
            .field("key_label", &self.key_label)
            .finish()
    }
}

/// A logged-in session and the key's handle. A session must not be used
/// from two threads at once, hence the mutex; calls are short.
struct Inner {
    session: Session,
    key: ObjectHandle,
}

/// The PKCS#11 provider; cheap to clone.
#[derive(Clone)]
pub struct Pkcs11Provider {
    inner: Arc<Mutex<Inner>>,
    label: String,
}

impl fmt::Debug for Pkcs11Provider {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Pkcs11Provider(key {:?})", self.label)
    }
}

fn p11(what: &str, e: cryptoki::error::Error) -> Error {
    Error::Provider(format!("PKCS#11 {what}: {e}"))
}

/// A module is initialised once per process and never finalised: a second
/// `C_Initialize` fails, and finalising would end every other session.
fn context(module: &Path) -> Result<Pkcs11> {
    static CONTEXTS: OnceLock<Mutex<HashMap<PathBuf, Pkcs11>>> = OnceLock::new();
    let mut map = CONTEXTS.get_or_init(Default::default).lock().unwrap_or_else(PoisonError::into_inner);
    if let Some(c) = map.get(module) {
        return Ok(c.clone());
    }
    let ctx = Pkcs11::new(module).map_err(|e| p11(&format!("loading {}", module.display()), e))?;
    match ctx.initialize(CInitializeArgs::new(CInitializeFlags::OS_LOCKING_OK)) {
        Ok(()) | Err(cryptoki::error::Error::Pkcs11(RvError::CryptokiAlreadyInitialized, _)) => {}
        Err(e) => return Err(p11("initialising the module", e)),
    }
    map.insert(module.to_path_buf(), ctx.clone());
    Ok(ctx)
}

impl Pkcs11Provider {
    /// Opens the token, logs in, and finds (or creates) the wrapping key.
    /// Blocking: call it at start-up or from a blocking thread.
    pub fn open(cfg: &Pkcs11Config) -> Result<Self> {
        let ctx = context(&cfg.module)?;
        let slot = ctx
            .get_slots_with_token()
            .map_err(|e| p11("listing slots", e))?
            .into_iter()
            .find(|s| ctx.get_token_info(*s).is_ok_and(|t| t.label().trim_end() == cfg.token_label))
            .ok_or_else(|| Error::Provider(format!("no PKCS#11 token labelled {:?}", cfg.token_label)))?;
        let session = ctx.open_rw_session(slot).map_err(|e| p11("opening a session", e))?;
        let pin = AuthPin::new(cfg.pin.as_str().into());
        match session.login(UserType::User, Some(&pin)) {
            Ok(()) | Err(cryptoki::error::Error::Pkcs11(RvError::UserAlreadyLoggedIn, _)) => {}
            Err(e) => return Err(p11("login (check the PIN)", e)),
        }
        let label = cfg.key_label.as_bytes().to_vec();
        let found = session
            .find_objects(&[
                Attribute::Class(ObjectClass::SECRET_KEY),
                Attribute::KeyType(KeyType::AES),
                Attribute::Label(label.clone()),
            ])
            .map_err(|e| p11("finding the key", e))?;
        let key = match found.as_slice() {
            [one] => *one,
            [] => session
                .generate_key(
                    &Mechanism::AesKeyGen,
                    &[
                        Attribute::Token(true),
                        Attribute::Private(true),
                        Attribute::Sensitive(true),
                        Attribute::Extractable(false),
                        Attribute::Encrypt(true),
                        Attribute::Decrypt(true),
                        Attribute::ValueLen(32.into()),
                        Attribute::Label(label),
                    ],
                )
                .map_err(|e| p11("generating the key", e))?,
            _ => return Err(Error::Provider(format!("several keys labelled {:?} on the token", cfg.key_label))),
        };
        Ok(Pkcs11Provider { inner: Arc::new(Mutex::new(Inner { session, key })), label: cfg.key_label.clone() })
    }

    async fn run<T: Send + 'static>(&self, f: impl FnOnce(&Inner) -> Result<T> + Send + 'static) -> Result<T> {
        let inner = Arc::clone(&self.inner);
        tokio::task::spawn_blocking(move || f(&inner.lock().unwrap_or_else(PoisonError::into_inner)))
            .await
            .map_err(|e| Error::Io(std::io::Error::other(e)))?
    }
}

#[async_trait]
impl KeyProvider for Pkcs11Provider {
    async fn wrap_kek(&self, kek: &TenantKek) -> Result<Vec<u8>> {
        let mut iv = [0u8; IV_LEN];
        OsRng.fill_bytes(&mut iv);
        let aad = aad(DOMAIN, &[kek.tenant()]);
        let plain = Zeroizing::new(*kek.key_bytes());
        let ct = self
            .run(move |i| {
                let mut iv2 = iv;
                let params = GcmParams::new(&mut iv2, &aad, 128.into()).map_err(|e| p11("GCM parameters", e))?;
                i.session.encrypt(&Mechanism::AesGcm(params), i.key, plain.as_ref()).map_err(|e| p11("encrypt", e))
            })
            .await?;
        if ct.len() != KEY_LEN + GCM_TAG {
            return Err(Error::Provider("the token returned a ciphertext of unexpected length".into()));
        }
        let mut out = Vec::with_capacity(PKCS11_WRAPPED_LEN);
        out.extend_from_slice(MAGIC);
        out.extend_from_slice(&iv);
        out.extend_from_slice(&ct);
        Ok(out)
    }

    async fn unwrap_kek(&self, tenant: &str, wrapped: &[u8]) -> Result<TenantKek> {
        if wrapped.len() != PKCS11_WRAPPED_LEN || &wrapped[..4] != MAGIC {
            return Err(Error::Corrupt("not a PKCS#11-wrapped key"));
        }
        let mut iv: [u8; IV_LEN] = wrapped[4..4 + IV_LEN].try_into().expect("12 bytes");
        let ct = wrapped[4 + IV_LEN..].to_vec();
        let aad = aad(DOMAIN, &[tenant]);
        let plain = self
            .run(move |i| {
                let params = GcmParams::new(&mut iv, &aad, 128.into()).map_err(|e| p11("GCM parameters", e))?;
                // A failed tag check is what a wrong tenant or tampering
                // looks like; report it as such, not as a token fault.
                i.session
                    .decrypt(&Mechanism::AesGcm(params), i.key, &ct)
                    .map(Zeroizing::new)
                    .map_err(|_| Error::Corrupt("key unwrap failed"))
            })
            .await?;
        let key: [u8; KEY_LEN] = plain.as_slice().try_into().map_err(|_| Error::Corrupt("key unwrap failed"))?;
        Ok(TenantKek::from_parts(tenant, Zeroizing::new(key)))
    }
}
