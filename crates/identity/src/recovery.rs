//! One-time recovery codes for when the second factor is lost (ASVS 2.5.x, 2.6.x).
//!
//! Codes look like `k3m9-x2p4-q7rt`: 12 symbols of a 32-letter alphabet, 60 random bits each,
//! which is enough because each code is stored as an Argon2id hash and sign-in is throttled.
//! The caller hashes `normalize(code)` with [`crate::password::hash`], and deletes the hash
//! once the code has been used.

use crate::codes;

/// Symbols per code; 12 × 5 bits = 60 bits of entropy.
pub const CODE_CHARS: usize = 12;
/// Entropy of one code, for documentation and audits.
pub const ENTROPY_BITS: usize = CODE_CHARS * codes::BITS_PER_CHAR;
const _: () = assert!(ENTROPY_BITS >= 60, "recovery codes need at least 60 bits");
const GROUP: usize = 4;

/// `n` fresh codes in their canonical, shown form.
pub fn generate(n: usize) -> Vec<String> {
    (0..n).map(|_| codes::group(&codes::random_chars(CODE_CHARS), GROUP)).collect()
}

/// The canonical form of a code as typed: lowercase, no spaces, dashes after every fourth
/// symbol, and `o`/`i`/`l` read as `0`/`1`. Normalizing both when storing and when checking
/// means people can type codes loosely without weakening them.
pub fn normalize(code: &str) -> String {
    codes::group(&codes::squash(code), GROUP)
}

/// Whether the input can be a recovery code at all, so obviously wrong input is refused before
/// spending an Argon2 verification per stored code.
pub fn is_well_formed(code: &str) -> bool {
    let squashed = codes::squash(code);
    squashed.chars().count() == CODE_CHARS && codes::in_alphabet(&squashed)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_codes_are_canonical_and_distinct() {
        let codes = generate(10);
        assert_eq!(codes.len(), 10);
        let unique: std::collections::HashSet<_> = codes.iter().collect();
        assert_eq!(unique.len(), 10);
        for c in &codes {
            assert_eq!(c.len(), 14, "{c}");
            assert_eq!(c.matches('-').count(), 2, "{c}");
            assert_eq!(&normalize(c), c, "generated codes are already canonical");
            assert!(is_well_formed(c));
        }
    }

    #[test]
    fn normalization_accepts_loose_typing() {
        let canonical = "k3m9-x2p4-q7rt";
        for typed in ["k3m9-x2p4-q7rt", "K3M9-X2P4-Q7RT", "k3m9 x2p4 q7rt", "k3m9x2p4q7rt", "  k3m9--x2p4 - q7rt "] {
            assert_eq!(normalize(typed), canonical, "{typed:?}");
        }
        assert_eq!(normalize("ab0o-1ilx-yzzz"), "ab00-111x-yzzz");
        assert_ne!(normalize("k3m9-x2p4-q7rs"), canonical);
    }

    #[test]
    fn well_formedness() {
        assert!(is_well_formed("K3M9 X2P4 Q7RT"));
        assert!(!is_well_formed("k3m9-x2p4-q7r"));
        assert!(!is_well_formed("k3m9-x2p4-q7rtt"));
        assert!(!is_well_formed("k3m9-x2p4-q7ru"), "u is not in the alphabet");
    }

    #[test]
    fn round_trip_with_password_hash() {
        let code = generate(1).pop().unwrap();
        let stored = crate::password::hash(&normalize(&code)).unwrap();
        let typed = code.to_uppercase().replace('-', " ");
        assert!(crate::password::verify(&normalize(&typed), &stored));
    }
}
