//! Handlers, grouped by area. Each doc comment starts with its route so a
//! grep for the path finds the code.

pub mod admin;
pub mod audit;
pub mod auth;
pub mod directory;
pub mod drive;
pub mod export;
pub mod keys;
pub mod lockbox;
pub mod retention;
pub mod system;
pub mod tus;
