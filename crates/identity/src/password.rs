//! Password hashing with Argon2id and the policy for choosing a password (ASVS V2.1, V2.4).

use std::collections::HashSet;
use std::sync::OnceLock;

use argon2::password_hash::{rand_core::OsRng, PasswordHash, PasswordHasher, SaltString};
use argon2::{Algorithm, Argon2, Params, PasswordVerifier, Version};

use crate::error::{IdentityError, PasswordPolicyError};

/// OWASP Password Storage Cheat Sheet minimum for Argon2id: 19 MiB memory, 2 passes, 1 lane.
pub const MEMORY_KIB: u32 = 19_456;
pub const TIME_COST: u32 = 2;
pub const PARALLELISM: u32 = 1;

/// ASVS 2.1.1: at least 12 characters.
pub const MIN_CHARS: usize = 12;
/// ASVS 2.1.2 allows at least 64; 128 keeps passphrases possible while bounding hashing input.
pub const MAX_CHARS: usize = 128;

/// Limits on parameters read back from a stored hash, so that a tampered or imported hash
/// cannot turn one verification into a memory or CPU exhaustion.
const MAX_VERIFY_MEMORY_KIB: u32 = 256 * 1024;
const MAX_VERIFY_TIME_COST: u32 = 16;
const MAX_VERIFY_PARALLELISM: u32 = 16;

/// A well-formed hash with the current parameters whose password nobody knows. Verifying against
/// it costs the same as verifying a real account, so "no such account" is not visible in timing.
const DUMMY_PHC: &str =
    "$argon2id$v=19$m=19456,t=2,p=1$dW5rbm93bi1hY2NvdW50$pXjmYJDwH9iWgsJGZfnn0wZUUAYHPtTKLQOvGY6d4eU";

static COMMON_PASSWORDS: &str = include_str!("common-passwords.txt");

fn hasher() -> Argon2<'static> {
    let params = Params::new(MEMORY_KIB, TIME_COST, PARALLELISM, None).expect("constant Argon2 parameters are valid");
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
}

/// Hashes a password into a PHC string (`$argon2id$v=19$m=19456,t=2,p=1$salt$hash`) with a
/// fresh random salt, so that equal passwords never share a hash.
pub fn hash(pw: &str) -> Result<String, IdentityError> {
    let salt = SaltString::generate(&mut OsRng);
    hasher().hash_password(pw.as_bytes(), &salt).map(|h| h.to_string()).map_err(|e| IdentityError::Hash(e.to_string()))
}

/// Checks a password against a stored PHC string. The parameters come from the stored hash, so
/// old hashes keep verifying after the defaults change; see [`needs_rehash`]. A malformed hash,
/// a non-Argon2id hash or excessive parameters count as a mismatch rather than an error, because
/// the caller's only sensible reaction is the same: refuse the sign-in.
pub fn verify(pw: &str, phc: &str) -> bool {
    let Ok(parsed) = PasswordHash::new(phc) else {
        return false;
    };
    if !acceptable(&parsed) {
        return false;
    }
    Argon2::default().verify_password(pw.as_bytes(), &parsed).is_ok()
}

/// Spends one verification on a fixed hash. Call it when the account does not exist (or has no
/// password), so that probing for account names costs an attacker as much time as guessing
/// passwords and reveals nothing through response times (ASVS 2.2.1 / 3.x enumeration).
pub fn verify_dummy(pw: &str) {
    let _ = std::hint::black_box(verify(pw, DUMMY_PHC));
}

/// Tells whether a stored hash was made with other parameters than today's, so the caller can
/// re-hash the password after a successful sign-in while it has the plaintext at hand.
pub fn needs_rehash(phc: &str) -> bool {
    let Ok(parsed) = PasswordHash::new(phc) else {
        return true;
    };
    let Ok(params) = Params::try_from(&parsed) else {
        return true;
    };
    parsed.algorithm != Algorithm::Argon2id.ident()
        || params.m_cost() != MEMORY_KIB
        || params.t_cost() != TIME_COST
        || params.p_cost() != PARALLELISM
}

fn acceptable(parsed: &PasswordHash<'_>) -> bool {
    if parsed.algorithm != Algorithm::Argon2id.ident() {
        return false;
    }
    match Params::try_from(parsed) {
        Ok(p) => {
            p.m_cost() <= MAX_VERIFY_MEMORY_KIB
                && p.t_cost() <= MAX_VERIFY_TIME_COST
                && p.p_cost() <= MAX_VERIFY_PARALLELISM
        }
        Err(_) => false,
    }
}

/// Checks a newly chosen password against the policy: length only, plus a list of passwords
/// known to be common. There are deliberately no composition rules (ASVS 2.1.9), and length is
/// counted in characters so that people writing in any script are treated alike (ASVS 2.1.4).
pub fn check_policy(pw: &str) -> Result<(), PasswordPolicyError> {
    let chars = pw.chars().count();
    if chars < MIN_CHARS {
        return Err(PasswordPolicyError::TooShort { min: MIN_CHARS });
    }
    if chars > MAX_CHARS {
        return Err(PasswordPolicyError::TooLong { max: MAX_CHARS });
    }
    if is_common(pw) {
        return Err(PasswordPolicyError::Common);
    }
    Ok(())
}

/// Whether the password is in the shipped list of breached/common passwords (ASVS 2.1.7). The
/// comparison ignores case because "PasswordPassword" is no harder to guess than the lowercase
/// original.
pub fn is_common(pw: &str) -> bool {
    common_set().contains(pw.trim().to_lowercase().as_str())
}

fn common_set() -> &'static HashSet<&'static str> {
    static SET: OnceLock<HashSet<&'static str>> = OnceLock::new();
    SET.get_or_init(|| {
        COMMON_PASSWORDS.lines().map(str::trim).filter(|l| !l.is_empty() && !l.starts_with('#')).collect()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hash_verify_round_trip() {
        let phc = hash("korrekt hest batteri stift").unwrap();
        assert!(phc.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "{phc}");
        assert!(verify("korrekt hest batteri stift", &phc));
        assert!(!verify("korrekt hest batteri stift ", &phc));
        assert!(!verify("", &phc));
        assert!(!needs_rehash(&phc));
    }

    #[test]
    fn same_password_gets_different_salts() {
        assert_ne!(hash("same password!").unwrap(), hash("same password!").unwrap());
    }

    #[test]
    fn malformed_and_foreign_hashes_do_not_verify() {
        assert!(!verify("x", "not a hash"));
        assert!(!verify("x", ""));
        // An Argon2i hash is refused even when the password would match.
        let argon2i = Argon2::new(
            Algorithm::Argon2i,
            Version::V0x13,
            Params::new(MEMORY_KIB, TIME_COST, PARALLELISM, None).unwrap(),
        )
        .hash_password(b"pw", &SaltString::generate(&mut OsRng))
        .unwrap()
        .to_string();
        assert!(!verify("pw", &argon2i));
        assert!(needs_rehash(&argon2i));
        // Absurd memory cost in a stored hash is refused without running it.
        let greedy = DUMMY_PHC.replace("m=19456", "m=4000000");
        assert!(!verify("pw", &greedy));
    }

    #[test]
    fn dummy_hash_uses_current_parameters() {
        assert!(!needs_rehash(DUMMY_PHC));
        assert!(acceptable(&PasswordHash::new(DUMMY_PHC).unwrap()));
        verify_dummy("anything");
    }

    #[test]
    fn policy_length_counts_characters() {
        assert_eq!(check_policy("short"), Err(PasswordPolicyError::TooShort { min: 12 }));
        assert_eq!(check_policy("elevenchars"), Err(PasswordPolicyError::TooShort { min: 12 }));
        assert_eq!(check_policy("twelve chars"), Ok(()));
        // 11 characters but 22 bytes: still too short.
        let cyr = "пароль-мой!";
        assert_eq!(cyr.chars().count(), 11);
        assert!(cyr.len() > 12);
        assert!(check_policy(cyr).is_err());
        // 12 characters of three bytes each.
        assert_eq!(check_policy("ææøøååææøøåå"), Ok(()));
        assert_eq!(check_policy("日本語のパスワードです"), Err(PasswordPolicyError::TooShort { min: 12 }));
        assert_eq!(check_policy("日本語のパスワードですよ"), Ok(()));
        assert_eq!(check_policy(&"a".repeat(128)), Ok(()));
        assert_eq!(check_policy(&"a".repeat(129)), Err(PasswordPolicyError::TooLong { max: 128 }));
    }

    #[test]
    fn policy_refuses_common_passwords() {
        for pw in ["123456789012", "passwordpassword", "PasswordPassword", "qwertyuiopasdf", "iloveyouiloveyou"] {
            assert_eq!(check_policy(pw), Err(PasswordPolicyError::Common), "{pw}");
        }
        assert_eq!(check_policy("fjord kaffe tirsdag"), Ok(()));
    }

    #[test]
    fn common_list_is_usable() {
        let set = common_set();
        assert!(set.len() >= 300, "only {} entries", set.len());
        for entry in set {
            assert_eq!(*entry, entry.to_lowercase(), "entries are lowercase");
            assert!(entry.chars().count() >= MIN_CHARS, "{entry} is shorter than the minimum");
        }
    }

    #[test]
    fn policy_messages_are_sentences() {
        for err in [
            PasswordPolicyError::TooShort { min: 12 },
            PasswordPolicyError::TooLong { max: 128 },
            PasswordPolicyError::Common,
        ] {
            let msg = err.to_string();
            assert!(msg.starts_with(char::is_uppercase) && msg.ends_with('.'), "{msg}");
        }
    }
}
