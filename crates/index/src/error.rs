use std::path::PathBuf;

use thiserror::Error;

pub type Result<T, E = Error> = std::result::Result<T, E>;

#[derive(Debug, Error)]
pub enum Error {
    #[error("search index: {0}")]
    Tantivy(#[from] tantivy::TantivyError),
    #[error("search index folder: {0}")]
    OpenDirectory(#[from] tantivy::directory::error::OpenDirectoryError),
    #[error("search index folder: {0}")]
    OpenRead(#[from] tantivy::directory::error::OpenReadError),
    #[error("search index folder: {0}")]
    Io(#[from] std::io::Error),
    /// The folder is never wiped unless it already held an index: a wrong
    /// path in the configuration must not delete someone's files.
    #[error("{} holds files but no search index; refusing to use it", path.display())]
    NotAnIndex { path: PathBuf },
    #[error("index entry for node {node:?}: {reason}")]
    InvalidEntry { node: String, reason: &'static str },
    /// The change feed only moves forward; going back means two writers or
    /// a replay from the wrong position, and applying it could resurrect
    /// deleted entries.
    #[error("change-feed position went back: index has applied {applied}, batch says {got}")]
    SeqRegressed { applied: u64, got: u64 },
}
