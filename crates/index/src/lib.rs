//! Per-tenant search over the drive's file names and folder paths.
//!
//! The index is derived data. The database is the truth; the service applies
//! the drive's change feed to the index in batches ([`FileIndex::apply`]),
//! and the index remembers the feed position it reached in the same tantivy
//! commit as the changes, so after a crash or an upgrade it resumes from
//! [`FileIndex::applied_seq`], or from 0 after a schema change wiped it.
//!
//! The index decides nothing about access. The caller passes the [`Scope`]s
//! the policy gate lets it read, and the index applies them, and the tenant,
//! inside the query, before ranking and limiting: a limit is filled only
//! with permitted hits, and nothing about other files (not even their count)
//! reaches the caller. One index holds all tenants; every term that selects
//! documents for a scope carries the tenant, so a scope can never reach into
//! another tenant even if the separate tenant filter were lost.
//!
//! User text is never parsed as query syntax: the query is built from the
//! folded tokens (see [`tokens`]), all of which must match the name or a
//! folder of the path, the last as a prefix for search-as-you-type.

mod error;
mod index;
pub mod tokens;

pub use error::{Error, Result};
pub use index::{Entry, FileIndex, Hit, IndexOp, Scope, MAX_LIMIT, SCHEMA_VERSION};

#[cfg(test)]
mod tests;
