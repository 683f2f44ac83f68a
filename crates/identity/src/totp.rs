//! Time-based one-time passwords (RFC 6238) as the second factor, with replay protection.
//!
//! SHA-1, 6 digits and 30-second steps are what every authenticator app implements; other
//! settings would make enrolment fail silently on some phones.

use data_encoding::BASE32_NOPAD;
use rand::{rngs::OsRng, RngCore};
use subtle::ConstantTimeEq;
use totp_rs::{Algorithm, TOTP};
use zeroize::Zeroizing;

use crate::error::IdentityError;

pub const DIGITS: usize = 6;
pub const STEP_SECONDS: u64 = 30;
/// Steps accepted on either side of the current one, to absorb clock drift and typing time
/// (ASVS 2.8.1 asks for a defined lifetime; one step each way is the RFC's recommendation).
pub const WINDOW_STEPS: u64 = 1;
/// 160 bits, the HMAC-SHA-1 block-friendly size recommended by RFC 4226 (ASVS 2.8.3).
pub const SECRET_BYTES: usize = 20;
/// RFC 4226 R6 requires at least 128 bits; shorter secrets are refused when read back.
const MIN_SECRET_BYTES: usize = 16;

/// A fresh shared secret for enrolment, base32 without padding as authenticator apps expect.
pub fn new_secret() -> String {
    let mut bytes = Zeroizing::new([0u8; SECRET_BYTES]);
    OsRng.fill_bytes(bytes.as_mut());
    BASE32_NOPAD.encode(bytes.as_ref())
}

fn decode_secret(secret_b32: &str) -> Result<Zeroizing<Vec<u8>>, IdentityError> {
    // People copy secrets with spaces, lowercase or padding; accept all of these.
    let cleaned: Zeroizing<String> = Zeroizing::new(
        secret_b32
            .chars()
            .filter(|c| !c.is_whitespace() && *c != '=' && *c != '-')
            .map(|c| c.to_ascii_uppercase())
            .collect(),
    );
    let bytes = BASE32_NOPAD.decode(cleaned.as_bytes()).map_err(|e| IdentityError::InvalidTotpSecret(e.to_string()))?;
    if bytes.len() < MIN_SECRET_BYTES {
        return Err(IdentityError::InvalidTotpSecret(format!(
            "secret has {} bits, at least {} are required",
            bytes.len() * 8,
            MIN_SECRET_BYTES * 8
        )));
    }
    Ok(Zeroizing::new(bytes))
}

fn generator(key: &[u8]) -> TOTP {
    TOTP::new_unchecked(Algorithm::SHA1, DIGITS, 0, STEP_SECONDS, key.to_vec(), None, String::new())
}

/// The code for the step containing `unix`; used for tests and for showing a check code during
/// enrolment troubleshooting.
pub fn code_at(secret_b32: &str, unix: u64) -> Result<String, IdentityError> {
    let key = decode_secret(secret_b32)?;
    Ok(generator(&key).generate(unix))
}

/// Checks a code typed by the user and returns the time step it belongs to.
///
/// The caller stores the returned step and passes it back as `last_used_step` next time: any
/// step at or before it is refused, so a code that was seen (shoulder-surfed, phished, replayed
/// from a proxy log) cannot be used a second time, not even within its 30 seconds (ASVS 2.8.4).
/// All candidate steps are computed and compared in constant time, so timing reveals neither
/// which step matched nor how many digits were right.
pub fn verify(secret_b32: &str, code: &str, unix: u64, last_used_step: Option<u64>) -> Option<u64> {
    let key = decode_secret(secret_b32).ok()?;
    let typed: String = code.chars().filter(|c| !c.is_whitespace()).collect();
    if typed.len() != DIGITS || !typed.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let totp = generator(&key);
    let current = unix / STEP_SECONDS;
    let first = current.saturating_sub(WINDOW_STEPS);
    let last = current.saturating_add(WINDOW_STEPS);
    let mut accepted = None;
    for step in first..=last {
        let expected = totp.generate(step.saturating_mul(STEP_SECONDS));
        let matches: bool = expected.as_bytes().ct_eq(typed.as_bytes()).into();
        let fresh = last_used_step.is_none_or(|used| step > used);
        if matches && fresh && accepted.is_none() {
            accepted = Some(step);
        }
    }
    accepted
}

/// The `otpauth://` URI that authenticator apps read from a QR code. The issuer is repeated as
/// a parameter because some apps ignore the label prefix and others ignore the parameter.
pub fn otpauth_uri(secret_b32: &str, issuer: &str, account: &str) -> String {
    let secret: String =
        secret_b32.chars().filter(|c| !c.is_whitespace() && *c != '=').map(|c| c.to_ascii_uppercase()).collect();
    format!(
        "otpauth://totp/{}:{}?secret={}&issuer={}&algorithm=SHA1&digits={}&period={}",
        percent_encode(issuer),
        percent_encode(account),
        percent_encode(&secret),
        percent_encode(issuer),
        DIGITS,
        STEP_SECONDS
    )
}

/// RFC 3986 percent-encoding of everything but unreserved characters; `:` in particular must be
/// encoded because it separates issuer and account in the label.
fn percent_encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// RFC 6238 appendix B uses the ASCII secret "12345678901234567890" for SHA-1.
    fn rfc_secret() -> String {
        BASE32_NOPAD.encode(b"12345678901234567890")
    }

    /// RFC 6238 appendix B, SHA-1 column; the RFC prints 8 digits, 6-digit codes are the last 6.
    const VECTORS: [(u64, &str); 6] = [
        (59, "94287082"),
        (1_111_111_109, "07081804"),
        (1_111_111_111, "14050471"),
        (1_234_567_890, "89005924"),
        (2_000_000_000, "69279037"),
        (20_000_000_000, "65353130"),
    ];

    #[test]
    fn rfc6238_vectors() {
        let secret = rfc_secret();
        for (t, eight) in VECTORS {
            assert_eq!(code_at(&secret, t).unwrap(), &eight[2..], "t={t}");
            assert_eq!(verify(&secret, &eight[2..], t, None), Some(t / 30), "t={t}");
        }
    }

    #[test]
    fn window_is_one_step_each_way() {
        let secret = rfc_secret();
        let t = 1_234_567_890;
        let step = t / 30;
        let code = code_at(&secret, t).unwrap();
        assert_eq!(verify(&secret, &code, t - 30, None), Some(step));
        assert_eq!(verify(&secret, &code, t + 30, None), Some(step));
        assert_eq!(verify(&secret, &code, t - 60, None), None);
        assert_eq!(verify(&secret, &code, t + 60, None), None);
        assert_eq!(verify(&secret, "000000", t, None), None);
    }

    #[test]
    fn replay_is_refused() {
        let secret = new_secret();
        let t = 1_700_000_000;
        let code = code_at(&secret, t).unwrap();
        let step = verify(&secret, &code, t, None).expect("fresh code accepted");
        assert_eq!(verify(&secret, &code, t, Some(step)), None);
        assert_eq!(verify(&secret, &code, t + 5, Some(step)), None);
        // An older code is refused after a newer one was used.
        let older = code_at(&secret, t - 30).unwrap();
        assert_eq!(verify(&secret, &older, t, Some(step)), None);
        // The next step's code is still accepted.
        let next = code_at(&secret, t + 30).unwrap();
        assert_eq!(verify(&secret, &next, t + 30, Some(step)), Some(step + 1));
    }

    #[test]
    fn malformed_input_is_refused() {
        let secret = new_secret();
        let t = 1_700_000_000;
        let code = code_at(&secret, t).unwrap();
        assert_eq!(verify(&secret, &format!("{code}0"), t, None), None);
        assert_eq!(verify(&secret, &code[..5], t, None), None);
        assert_eq!(verify(&secret, "abcdef", t, None), None);
        let spaced = format!("{} {}", &code[..3], &code[3..]);
        assert!(verify(&secret, &spaced, t, None).is_some());
        assert!(verify("not base32!", &code, t, None).is_none());
        assert!(code_at("MZXW6", t).is_err(), "too short a secret");
    }

    #[test]
    fn secrets_are_160_bits_and_distinct() {
        let a = new_secret();
        assert_eq!(a.len(), 32);
        assert_eq!(BASE32_NOPAD.decode(a.as_bytes()).unwrap().len(), 20);
        assert_ne!(a, new_secret());
        // Lowercase and spaced secrets are read the same way.
        let t = 1_000_000;
        let loose = a
            .to_lowercase()
            .chars()
            .collect::<Vec<_>>()
            .chunks(4)
            .map(|c| c.iter().collect::<String>())
            .collect::<Vec<_>>()
            .join(" ");
        assert_eq!(code_at(&a, t).unwrap(), code_at(&loose, t).unwrap());
    }

    #[test]
    fn otpauth_uri_encodes_label() {
        let uri = otpauth_uri("JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP", "Nordvik kommune", "lars@nordvik.test");
        assert_eq!(
            uri,
            "otpauth://totp/Nordvik%20kommune:lars%40nordvik.test?secret=JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP&issuer=Nordvik%20kommune&algorithm=SHA1&digits=6&period=30"
        );
        let tricky = otpauth_uri("AAAA", "a:b&c", "x?y");
        assert!(tricky.starts_with("otpauth://totp/a%3Ab%26c:x%3Fy?"), "{tricky}");
    }
}
