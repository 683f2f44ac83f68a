//! The installation signing key and signed checkpoints over a tenant's chain head.
//!
//! Hash chaining alone only shows internal consistency: whoever can rewrite the log can
//! rewrite all hashes after an edit. Checkpoints signed with a key kept apart from the
//! database pin the chain head at a point in time, so a rewrite needs the key as well.

use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine as _;
use ed25519_dalek::pkcs8::spki::der::pem::LineEnding;
use ed25519_dalek::pkcs8::{DecodePrivateKey, EncodePrivateKey};
use ed25519_dalek::{Signature, Signer, SigningKey, VerifyingKey, PUBLIC_KEY_LENGTH};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use zeroize::Zeroizing;

use crate::canon::Obj;
use crate::export::{ExportLine, ALGORITHM, EXPORT_FORMAT};

/// Domain separation: a signature over a checkpoint can never be replayed as a signature
/// over anything else the installation key might sign in the future.
const CHECKPOINT_PREFIX: &[u8] = b"suveren-audit-checkpoint-v1\n";

/// Problems with keys and checkpoint signatures.
#[derive(Debug, thiserror::Error)]
pub enum AuditError {
    #[error("private key is not a valid Ed25519 PKCS#8 PEM document: {0}")]
    PrivateKey(String),
    #[error("public key is not valid: {0}")]
    PublicKey(String),
    #[error("signature is not valid base64 of 64 bytes: {0}")]
    SignatureEncoding(String),
    #[error("checkpoint names key id {found}, but the verifying key has id {expected}")]
    KeyIdMismatch { expected: String, found: String },
    #[error("signature does not verify")]
    BadSignature,
}

/// A signed statement that tenant `tenant`'s chain had record `seq` with `hash` at `time`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Checkpoint {
    pub tenant: String,
    /// The seq of the covered record; 0 (with [`crate::GENESIS_HASH`]) for an empty chain.
    pub seq: u64,
    pub hash: String,
    pub time: String,
    pub key_id: String,
    /// Standard padded base64 of the 64-byte Ed25519 signature over [`checkpoint_message`].
    pub signature: String,
}

/// The installation key. Its `Debug` shows only the key id, so that logging a struct that
/// holds it never leaks the secret; the secret is wiped on drop by `ed25519-dalek`.
pub struct AuditKey(SigningKey);

impl std::fmt::Debug for AuditKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_tuple("AuditKey").field(&self.key_id()).finish()
    }
}

impl AuditKey {
    /// A fresh key from the operating system's CSPRNG.
    pub fn generate() -> Self {
        AuditKey(SigningKey::generate(&mut rand::rngs::OsRng))
    }

    pub fn from_pkcs8_pem(pem: &str) -> Result<Self, AuditError> {
        SigningKey::from_pkcs8_pem(pem).map(AuditKey).map_err(|e| AuditError::PrivateKey(e.to_string()))
    }

    /// The PEM as a plain `String`, for callers that must hand it to an API taking one.
    /// Prefer [`AuditKey::to_pkcs8_pem_zeroizing`], which wipes the copy on drop.
    pub fn to_pkcs8_pem(&self) -> String {
        self.to_pkcs8_pem_zeroizing().as_str().to_owned()
    }

    /// The PEM in a buffer that is overwritten when dropped.
    pub fn to_pkcs8_pem_zeroizing(&self) -> Zeroizing<String> {
        // Encoding a 32-byte Ed25519 key into PKCS#8 has no failure mode in practice; the
        // Result only exists because the trait is generic over key types.
        self.0.to_pkcs8_pem(LineEnding::LF).expect("PKCS#8 encoding of an Ed25519 key cannot fail")
    }

    /// Base64 (standard, padded) of the 32 raw public key bytes; what auditors are given.
    pub fn public_key_b64(&self) -> String {
        B64.encode(self.0.verifying_key().as_bytes())
    }

    /// Short, stable name for the key so that rotated keys can be told apart in exports.
    pub fn key_id(&self) -> String {
        key_id_for(self.0.verifying_key().as_bytes())
    }

    /// Signs the chain head of `tenant`. `hash` is taken as given: the caller passes the
    /// hash of its stored record `seq`, and verification compares the two.
    pub fn checkpoint(&self, tenant: &str, seq: u64, hash: &str, time: &str) -> Checkpoint {
        let key_id = self.key_id();
        let message = checkpoint_message(tenant, seq, hash, time, &key_id);
        let signature: Signature = self.0.sign(&message);
        Checkpoint {
            tenant: tenant.to_owned(),
            seq,
            hash: hash.to_owned(),
            time: time.to_owned(),
            key_id,
            signature: B64.encode(signature.to_bytes()),
        }
    }

    /// The first line of an export made with this key, so exporters cannot get the
    /// algorithm, format or key id wrong.
    pub fn export_header(&self, tenant: &str, exported_at: &str) -> ExportLine {
        ExportLine::Header {
            format: EXPORT_FORMAT,
            tenant: tenant.to_owned(),
            algorithm: ALGORITHM.to_owned(),
            public_key: self.public_key_b64(),
            key_id: self.key_id(),
            exported_at: exported_at.to_owned(),
        }
    }
}

/// First 16 lowercase hex characters of SHA-256 over the raw public key bytes.
pub fn key_id_for(public_key: &[u8; PUBLIC_KEY_LENGTH]) -> String {
    let mut id = hex::encode(Sha256::digest(public_key));
    id.truncate(16);
    id
}

/// The exact bytes a checkpoint signature covers (format in the crate docs); public so that
/// other tools can produce or check them without going through [`Checkpoint`].
pub fn checkpoint_message(tenant: &str, seq: u64, hash: &str, time: &str, key_id: &str) -> Vec<u8> {
    Obj::new(CHECKPOINT_PREFIX)
        .str("hash", hash)
        .str("key_id", key_id)
        .num("seq", seq)
        .str("tenant", tenant)
        .str("time", time)
        .finish()
}

/// Decodes a base64 public key and rejects keys that cannot be trusted to bind signatures
/// (wrong length, not a curve point, or of small order).
pub(crate) fn parse_public_key(public_key_b64: &str) -> Result<VerifyingKey, AuditError> {
    let bytes = B64.decode(public_key_b64).map_err(|e| AuditError::PublicKey(format!("not base64: {e}")))?;
    let bytes: [u8; PUBLIC_KEY_LENGTH] = bytes
        .try_into()
        .map_err(|b: Vec<u8>| AuditError::PublicKey(format!("{} bytes instead of {PUBLIC_KEY_LENGTH}", b.len())))?;
    let key = VerifyingKey::from_bytes(&bytes).map_err(|e| AuditError::PublicKey(e.to_string()))?;
    if key.is_weak() {
        return Err(AuditError::PublicKey("weak (small-order) key".into()));
    }
    Ok(key)
}

/// Checks a checkpoint against a public key. Strict verification is used so that neither a
/// weak key nor a malleated signature can pass.
pub fn verify_checkpoint(public_key_b64: &str, cp: &Checkpoint) -> Result<(), AuditError> {
    verify_with(&parse_public_key(public_key_b64)?, cp)
}

pub(crate) fn verify_with(key: &VerifyingKey, cp: &Checkpoint) -> Result<(), AuditError> {
    let expected = key_id_for(key.as_bytes());
    if cp.key_id != expected {
        return Err(AuditError::KeyIdMismatch { expected, found: cp.key_id.clone() });
    }
    let sig = B64.decode(&cp.signature).map_err(|e| AuditError::SignatureEncoding(e.to_string()))?;
    let sig = Signature::from_slice(&sig).map_err(|e| AuditError::SignatureEncoding(e.to_string()))?;
    let message = checkpoint_message(&cp.tenant, cp.seq, &cp.hash, &cp.time, &cp.key_id);
    key.verify_strict(&message, &sig).map_err(|_| AuditError::BadSignature)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pem_round_trip_keeps_identity() {
        let key = AuditKey::generate();
        let again = AuditKey::from_pkcs8_pem(&key.to_pkcs8_pem()).unwrap();
        assert_eq!(key.public_key_b64(), again.public_key_b64());
        assert_eq!(key.key_id().len(), 16);
        assert!(!format!("{key:?}").contains(&key.to_pkcs8_pem()));
    }

    #[test]
    fn checkpoint_verifies_and_binds_every_field() {
        let key = AuditKey::generate();
        let cp = key.checkpoint("nordvik", 3, &"ab".repeat(32), "2026-11-22T10:00:00Z");
        verify_checkpoint(&key.public_key_b64(), &cp).unwrap();
        let mutations: Vec<fn(&mut Checkpoint)> =
            vec![|c| c.tenant.push('x'), |c| c.seq += 1, |c| c.hash = "cd".repeat(32), |c| c.time.push('x')];
        for m in mutations {
            let mut c = cp.clone();
            m(&mut c);
            assert!(matches!(verify_checkpoint(&key.public_key_b64(), &c), Err(AuditError::BadSignature)));
        }
        let other = AuditKey::generate();
        assert!(matches!(verify_checkpoint(&other.public_key_b64(), &cp), Err(AuditError::KeyIdMismatch { .. })));
    }

    #[test]
    fn garbage_keys_and_signatures_are_errors_not_panics() {
        let key = AuditKey::generate();
        let mut cp = key.checkpoint("t", 1, "h", "x");
        assert!(matches!(verify_checkpoint("!!", &cp), Err(AuditError::PublicKey(_))));
        assert!(matches!(verify_checkpoint("AAAA", &cp), Err(AuditError::PublicKey(_))));
        // The identity point is a valid encoding but of small order.
        let mut identity = [0u8; 32];
        identity[0] = 1;
        assert!(matches!(verify_checkpoint(&B64.encode(identity), &cp), Err(AuditError::PublicKey(_))));
        cp.signature = "AAAA".into();
        assert!(matches!(verify_checkpoint(&key.public_key_b64(), &cp), Err(AuditError::SignatureEncoding(_))));
        assert!(AuditKey::from_pkcs8_pem("not a pem").is_err());
    }
}
