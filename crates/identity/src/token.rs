//! Opaque bearer tokens for sessions and links, stored only as a digest.

use base64::{engine::general_purpose::URL_SAFE_NO_PAD, Engine};
use rand::{rngs::OsRng, RngCore};
use sha2::{Digest, Sha256};
use zeroize::Zeroizing;

/// 256 bits: far beyond guessing, so a fast hash suffices for storage (ASVS 3.2.2).
pub const TOKEN_BYTES: usize = 32;

/// A fresh token, base64url without padding so it fits cookies and URLs unchanged.
pub fn new_token() -> String {
    let mut bytes = Zeroizing::new([0u8; TOKEN_BYTES]);
    OsRng.fill_bytes(bytes.as_mut());
    URL_SAFE_NO_PAD.encode(bytes.as_ref())
}

/// The hex SHA-256 of a token. Sessions are stored and looked up by digest, so a leaked
/// database or backup does not hand out live sessions (ASVS 3.2.x). Lookup by digest also
/// makes the comparison independent of the token's bytes, so timing reveals nothing useful.
pub fn digest(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_random_and_urlsafe() {
        let a = new_token();
        assert_eq!(a.len(), 43);
        assert_eq!(URL_SAFE_NO_PAD.decode(&a).unwrap().len(), 32);
        assert!(a.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_'));
        assert_ne!(a, new_token());
    }

    #[test]
    fn digest_is_hex_sha256() {
        assert_eq!(digest("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
        let t = new_token();
        assert_eq!(digest(&t), digest(&t));
        assert_ne!(digest(&t), digest(&new_token()));
    }
}
