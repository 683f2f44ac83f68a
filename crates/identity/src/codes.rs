//! The human-friendly alphabet shared by recovery codes and app passwords.
//!
//! Crockford's base32 in lowercase: 32 symbols (5 bits each, so a random byte maps to a symbol
//! without bias) that leave out `i`, `l`, `o` and `u`, so nothing can be misread as `1` or `0`.

use rand::{rngs::OsRng, RngCore};
use zeroize::Zeroizing;

pub(crate) const ALPHABET: &[u8; 32] = b"0123456789abcdefghjkmnpqrstvwxyz";
pub(crate) const BITS_PER_CHAR: usize = 5;

/// `n` symbols drawn from the OS RNG.
pub(crate) fn random_chars(n: usize) -> String {
    let mut bytes = Zeroizing::new(vec![0u8; n]);
    OsRng.fill_bytes(&mut bytes);
    // 256 is a multiple of 32, so masking keeps the distribution uniform.
    bytes.iter().map(|b| ALPHABET[usize::from(b & 31)] as char).collect()
}

/// What the user meant: case, spaces and dashes do not matter, and the letters people confuse
/// with digits are read as those digits.
pub(crate) fn squash(input: &str) -> String {
    input
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '-' && *c != '_')
        .flat_map(char::to_lowercase)
        .map(|c| match c {
            'o' => '0',
            'i' | 'l' => '1',
            other => other,
        })
        .collect()
}

/// Groups of `size` joined with dashes, the form in which codes are shown and stored.
pub(crate) fn group(s: &str, size: usize) -> String {
    let chars: Vec<char> = s.chars().collect();
    chars.chunks(size).map(|c| c.iter().collect::<String>()).collect::<Vec<_>>().join("-")
}

pub(crate) fn in_alphabet(s: &str) -> bool {
    s.bytes().all(|b| ALPHABET.contains(&b))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn alphabet_has_32_distinct_unambiguous_symbols() {
        let mut seen = std::collections::HashSet::new();
        for &b in ALPHABET {
            assert!(seen.insert(b));
            assert!(!b"ilou".contains(&b));
        }
        assert_eq!(seen.len(), 1 << BITS_PER_CHAR);
    }

    #[test]
    fn random_chars_use_whole_alphabet() {
        let s = random_chars(4096);
        assert!(in_alphabet(&s));
        let distinct: std::collections::HashSet<char> = s.chars().collect();
        assert_eq!(distinct.len(), 32);
    }

    #[test]
    fn squash_and_group() {
        assert_eq!(squash(" K3M9 - X2P4-q7rt "), "k3m9x2p4q7rt");
        assert_eq!(squash("OIL"), "011");
        assert_eq!(group("k3m9x2p4q7rt", 4), "k3m9-x2p4-q7rt");
        assert_eq!(group("abcde", 4), "abcd-e");
        assert_eq!(group("", 4), "");
    }
}
