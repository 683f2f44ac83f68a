//! Per-device app passwords for protocol clients (WebDAV, CalDAV, CardDAV, IMAP) that cannot do
//! a browser sign-in with a second factor, and a cache that keeps their verification cheap.
//!
//! # Format
//!
//! An app password is 32 symbols of Crockford's lowercase base32 alphabet (see `codes`), shown in
//! groups of four: `abcd-efgh-jkmn-pqrs-tvwx-yz01-2345-6789`.
//!
//! * the first 8 symbols (40 bits) are the **id**: not secret, stored in clear next to the hash,
//!   and used to find the one record to check instead of trying every hash of the account;
//! * the remaining 24 symbols (120 bits) are the secret.
//!
//! The server stores `password::hash(&canonical(pw))` and the id. Case, spaces and dashes do not
//! matter when typed; [`canonical`] restores the shown form.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use hmac::{Hmac, Mac};
use rand::{rngs::OsRng, RngCore};
use sha2::Sha256;
use zeroize::Zeroizing;

use crate::codes;

pub const ID_CHARS: usize = 8;
pub const SECRET_CHARS: usize = 24;
pub const TOTAL_CHARS: usize = ID_CHARS + SECRET_CHARS;
/// Entropy of the secret part (120 bits); the id adds none since it is not secret.
pub const SECRET_BITS: usize = SECRET_CHARS * codes::BITS_PER_CHAR;
const GROUP: usize = 4;

/// A new app password: `(id, password)`, the password in its shown, canonical form. The
/// password is displayed once and never stored in clear.
pub fn generate() -> (String, String) {
    let id = codes::random_chars(ID_CHARS);
    let secret = Zeroizing::new(codes::random_chars(SECRET_CHARS));
    let password = codes::group(&format!("{id}{}", secret.as_str()), GROUP);
    (id, password)
}

/// The canonical (shown) form of a typed app password, or `None` if it cannot be one. Hash and
/// verify this form so loosely typed passwords still match.
pub fn canonical(password: &str) -> Option<String> {
    let squashed = Zeroizing::new(codes::squash(password));
    if squashed.chars().count() != TOTAL_CHARS || !codes::in_alphabet(&squashed) {
        return None;
    }
    Some(codes::group(&squashed, GROUP))
}

/// The id embedded in an app password, or `None` when the input is not shaped like one (for
/// example an account's regular password, which protocol clients must not be able to use).
pub fn id_of(password: &str) -> Option<String> {
    let squashed = Zeroizing::new(codes::squash(password));
    if squashed.chars().count() != TOTAL_CHARS || !codes::in_alphabet(&squashed) {
        return None;
    }
    Some(squashed[..ID_CHARS].to_string())
}

type HmacSha256 = Hmac<Sha256>;

struct Entry {
    id: String,
    inserted: Instant,
}

/// Remembers recently verified (login, app password) pairs so that a WebDAV client sending
/// Basic auth on every request costs one Argon2 run per TTL instead of one per request.
///
/// Keys are HMAC-SHA256 digests under a random per-process key: the cache never holds a
/// password, and a memory dump does not allow offline guessing against a fast unsalted hash.
/// Call [`invalidate`](Self::invalidate) when an app password is revoked; otherwise a revoked
/// password keeps working until its entry expires.
pub struct VerifyCache {
    key: Zeroizing<[u8; 32]>,
    ttl: Duration,
    capacity: usize,
    entries: Mutex<HashMap<[u8; 32], Entry>>,
}

impl VerifyCache {
    /// `ttl` bounds how long a revoked or changed password may still be accepted if the caller
    /// forgets to invalidate; `capacity` bounds memory (at least 1).
    pub fn new(ttl: Duration, capacity: usize) -> Self {
        let mut key = Zeroizing::new([0u8; 32]);
        OsRng.fill_bytes(key.as_mut());
        Self { key, ttl, capacity: capacity.max(1), entries: Mutex::new(HashMap::new()) }
    }

    fn digest(&self, login: &str, password: &str) -> [u8; 32] {
        let mut mac = HmacSha256::new_from_slice(self.key.as_ref()).expect("HMAC accepts any key length");
        // Length prefix so that ("ab", "c") and ("a", "bc") never collide.
        mac.update(&(login.len() as u64).to_be_bytes());
        mac.update(login.as_bytes());
        mac.update(password.as_bytes());
        mac.finalize().into_bytes().into()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<[u8; 32], Entry>> {
        // A panic while holding the lock cannot leave the map inconsistent (every mutation is a
        // single map call), so keep serving rather than failing every later request.
        self.entries.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn expired(&self, entry: &Entry, now: Instant) -> bool {
        now.checked_duration_since(entry.inserted).is_none_or(|age| age >= self.ttl)
    }

    /// The app password id verified earlier for this exact login and password, if still fresh.
    pub fn get(&self, login: &str, password: &str, now: Instant) -> Option<String> {
        let key = self.digest(login, password);
        let mut entries = self.lock();
        let entry = entries.get(&key)?;
        if self.expired(entry, now) {
            entries.remove(&key);
            return None;
        }
        Some(entry.id.clone())
    }

    /// Records a successful Argon2 verification. Only call it after the hash matched.
    pub fn insert(&self, login: &str, password: &str, id: &str, now: Instant) {
        let key = self.digest(login, password);
        let mut entries = self.lock();
        if !entries.contains_key(&key) && entries.len() >= self.capacity {
            entries.retain(|_, e| !self.expired(e, now));
            while entries.len() >= self.capacity {
                let Some(oldest) = entries.iter().min_by_key(|(_, e)| e.inserted).map(|(k, _)| *k) else {
                    break;
                };
                entries.remove(&oldest);
            }
        }
        entries.insert(key, Entry { id: id.to_string(), inserted: now });
    }

    /// Forgets every entry for an app password, e.g. when it is revoked or its account disabled.
    pub fn invalidate(&self, id: &str) {
        self.lock().retain(|_, e| e.id != id);
    }

    /// Forgets everything, e.g. after a password reset that revokes all app passwords.
    pub fn clear(&self) {
        self.lock().clear();
    }

    pub fn len(&self) -> usize {
        self.lock().len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_password_embeds_id() {
        let (id, pw) = generate();
        assert_eq!(id.len(), ID_CHARS);
        assert_eq!(pw.len(), TOTAL_CHARS + TOTAL_CHARS / GROUP - 1);
        assert!(pw.starts_with(&format!("{}-{}", &id[..4], &id[4..])), "{pw}");
        assert_eq!(id_of(&pw).as_deref(), Some(id.as_str()));
        assert_eq!(canonical(&pw).as_deref(), Some(pw.as_str()));
        let (id2, pw2) = generate();
        assert_ne!(id, id2);
        assert_ne!(pw, pw2);
    }

    #[test]
    fn id_of_accepts_loose_typing_and_refuses_other_passwords() {
        let pw = "abcd-efgh-jkmn-pqrs-tvwx-yz01-2345-6789";
        assert_eq!(id_of(pw).as_deref(), Some("abcdefgh"));
        assert_eq!(id_of(&pw.to_uppercase().replace('-', " ")).as_deref(), Some("abcdefgh"));
        assert_eq!(canonical("ABCDEFGHJKMNPQRSTVWXYZ0123456789").as_deref(), Some(pw));
        assert_eq!(id_of("correct horse battery staple"), None);
        assert_eq!(id_of(&pw[..pw.len() - 1]), None);
        assert_eq!(id_of("abcd-efgh-jkmn-pqrs-tvwx-yz01-2345-678u"), None);
        assert_eq!(id_of(""), None);
    }

    #[test]
    fn cache_hits_until_ttl() {
        let cache = VerifyCache::new(Duration::from_secs(60), 100);
        let t0 = Instant::now();
        assert_eq!(cache.get("lars", "pw", t0), None);
        cache.insert("lars", "pw", "id1", t0);
        assert_eq!(cache.get("lars", "pw", t0).as_deref(), Some("id1"));
        assert_eq!(cache.get("lars", "pw", t0 + Duration::from_secs(59)).as_deref(), Some("id1"));
        assert_eq!(cache.get("lars", "pw2", t0), None, "other password");
        assert_eq!(cache.get("eva", "pw", t0), None, "other login");
        assert_eq!(cache.get("lar", "spw", t0), None, "no ambiguity at the boundary");
        assert_eq!(cache.get("lars", "pw", t0 + Duration::from_secs(60)), None);
        assert!(cache.is_empty(), "expired entry was dropped");
    }

    #[test]
    fn cache_invalidate_and_clear() {
        let cache = VerifyCache::new(Duration::from_secs(60), 100);
        let t0 = Instant::now();
        cache.insert("lars", "pw-a", "id-a", t0);
        cache.insert("lars", "pw-a2", "id-a", t0);
        cache.insert("lars", "pw-b", "id-b", t0);
        cache.invalidate("id-a");
        assert_eq!(cache.get("lars", "pw-a", t0), None);
        assert_eq!(cache.get("lars", "pw-a2", t0), None);
        assert_eq!(cache.get("lars", "pw-b", t0).as_deref(), Some("id-b"));
        cache.clear();
        assert_eq!(cache.get("lars", "pw-b", t0), None);
    }

    #[test]
    fn cache_is_bounded_and_evicts_oldest() {
        let cache = VerifyCache::new(Duration::from_secs(600), 3);
        let t0 = Instant::now();
        for i in 0..3u64 {
            cache.insert("u", &format!("pw{i}"), &format!("id{i}"), t0 + Duration::from_secs(i));
        }
        cache.insert("u", "pw3", "id3", t0 + Duration::from_secs(3));
        assert_eq!(cache.len(), 3);
        let now = t0 + Duration::from_secs(4);
        assert_eq!(cache.get("u", "pw0", now), None, "oldest evicted");
        for i in 1..4 {
            assert!(cache.get("u", &format!("pw{i}"), now).is_some(), "pw{i} kept");
        }
    }

    #[test]
    fn separate_caches_use_separate_keys() {
        let a = VerifyCache::new(Duration::from_secs(1), 1);
        let b = VerifyCache::new(Duration::from_secs(1), 1);
        assert_ne!(a.digest("u", "p"), b.digest("u", "p"));
    }
}
