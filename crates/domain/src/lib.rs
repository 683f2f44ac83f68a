//! The vocabulary of Suveren: tenants, principals, org units, groups,
//! segments, barrier rules, federation links and classification schemes.
//!
//! Pure data with no I/O, so the policy engine and every service agree on one
//! meaning of each word. The [`Directory`] is an immutable snapshot that the
//! policy engine evaluates against; services rebuild it after a change.

pub mod classification;
pub mod directory;
pub mod lockbox;
pub mod names;
pub mod retention;
pub mod search;

pub use classification::{ClassificationScheme, ExternalSharing, Level, MailOutside, VersionKeep};
pub use directory::*;
