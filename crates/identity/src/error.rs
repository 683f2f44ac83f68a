//! Error types shared by the credential modules.

use thiserror::Error;

/// Failures of the credential primitives themselves (as opposed to a wrong credential, which is
/// reported as `false`/`None` so callers cannot accidentally leak why a sign-in failed).
#[derive(Debug, Error, Clone, PartialEq, Eq)]
pub enum IdentityError {
    /// Hashing failed; with constant parameters this only happens on allocation failure or a
    /// broken RNG, so the caller should treat it as an internal error.
    #[error("password hashing failed: {0}")]
    Hash(String),
    /// A stored TOTP secret is not valid base32 or is too short to be safe.
    #[error("invalid TOTP secret: {0}")]
    InvalidTotpSecret(String),
}

/// Why a new password was refused. The messages are shown to the person choosing the password,
/// so they are plain sentences without jargon.
#[derive(Debug, Error, Clone, PartialEq, Eq)]
pub enum PasswordPolicyError {
    #[error("The password must be at least {min} characters long.")]
    TooShort { min: usize },
    #[error("The password must be at most {max} characters long.")]
    TooLong { max: usize },
    #[error("This password is too common and easy to guess. Please choose another one.")]
    Common,
}
