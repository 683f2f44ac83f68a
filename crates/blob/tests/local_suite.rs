//! The backend suite (`suite/`) on a local folder.

mod common;
#[macro_use]
mod suite;

blob_suite!(crate::common::local_env);
