//! Credentials and sign-in primitives for Suveren: password hashing and policy, TOTP, recovery
//! codes, session tokens, app passwords, sign-in throttling and OpenID Connect.
//!
//! Nothing here stores anything or serves HTTP: the server owns persistence and transport, so
//! these pieces can be reviewed and tested against OWASP ASVS 4.0 level 2 on their own.

pub mod app_password;
mod codes;
mod error;
pub mod oidc;
pub mod password;
pub mod recovery;
pub mod throttle;
pub mod token;
pub mod totp;

pub use error::{IdentityError, PasswordPolicyError};
