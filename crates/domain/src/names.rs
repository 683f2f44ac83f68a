//! Validation of names and identifiers that arrive from outside.
//!
//! Names are data, never paths or markup; we still refuse control characters
//! and absurd lengths at the edge so that logs, CSV exports and UIs stay
//! readable and nothing downstream has to defend itself again.

use thiserror::Error;

#[derive(Debug, Error, Clone, PartialEq, Eq)]
pub enum NameError {
    #[error("{field} must not be empty")]
    Empty { field: &'static str },
    #[error("{field} is too long ({len} characters, at most {max})")]
    TooLong { field: &'static str, len: usize, max: usize },
    #[error("{field} contains a control character")]
    Control { field: &'static str },
    #[error("{field} may contain only lowercase letters a-z, digits, '-', '_', '.' and '@'")]
    Charset { field: &'static str },
}

/// A display name: any printable text, trimmed, 1..=200 characters.
pub fn display_name(field: &'static str, s: &str) -> Result<String, NameError> {
    let t = s.trim();
    if t.is_empty() {
        return Err(NameError::Empty { field });
    }
    let len = t.chars().count();
    if len > 200 {
        return Err(NameError::TooLong { field, len, max: 200 });
    }
    if t.chars().any(char::is_control) {
        return Err(NameError::Control { field });
    }
    Ok(t.to_string())
}

/// An identifier (tenant slug, login, segment name): ASCII lowercase, digits
/// and `-_.@`, 1..=120 characters. Restricting the charset keeps identifiers
/// unambiguous in URLs, CSV files and audit records.
pub fn identifier(field: &'static str, s: &str) -> Result<String, NameError> {
    let t = s.trim().to_ascii_lowercase();
    if t.is_empty() {
        return Err(NameError::Empty { field });
    }
    let len = t.chars().count();
    if len > 120 {
        return Err(NameError::TooLong { field, len, max: 120 });
    }
    if t.chars().any(char::is_control) {
        return Err(NameError::Control { field });
    }
    if !t.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || "-_.@".contains(c)) {
        return Err(NameError::Charset { field });
    }
    Ok(t)
}

/// Folds text for matching: lowercase, Nordic letters spelled out the way
/// people type them without a Nordic keyboard, other diacritics removed.
pub fn fold(s: &str) -> String {
    use unicode_normalization::UnicodeNormalization;
    let mut out = String::with_capacity(s.len());
    for c in s.chars().flat_map(char::to_lowercase) {
        match c {
            'æ' | 'ä' => out.push_str("ae"),
            'ø' | 'ö' => out.push('o'),
            'å' => out.push('a'),
            'ß' => out.push_str("ss"),
            _ => {
                for d in c.nfd() {
                    if !unicode_normalization::char::is_combining_mark(d) {
                        out.push(d);
                    }
                }
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fold_handles_nordic_letters() {
        assert_eq!(fold("Sørvik Ærlig Åse"), "sorvik aerlig ase");
        assert_eq!(fold("Björn Öberg"), "bjorn oberg");
        assert_eq!(fold("José"), "jose");
    }

    #[test]
    fn identifiers_refuse_metacharacters() {
        assert!(identifier("login", "robert'); drop table--").is_err());
        assert!(identifier("login", "a\u{0}b").is_err());
        assert_eq!(identifier("login", " Anna.Admin@Nordvik.test ").unwrap(), "anna.admin@nordvik.test");
        assert!(display_name("name", "Robert'); DROP TABLE principals;--").is_ok());
        assert!(display_name("name", "bad\u{7}bell").is_err());
        assert!(display_name("name", &"x".repeat(201)).is_err());
    }
}
