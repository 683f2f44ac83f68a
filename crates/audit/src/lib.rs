//! The audit chain of Suveren: hash-chained records, signed checkpoints and offline export verification.
//!
//! Every tenant has its own append-only log. A municipality must be able to hand an
//! export to an outside auditor who, with nothing but the installation's public key,
//! can tell whether any record was edited, removed or reordered, and which one first.
//! This crate is deliberately pure (no clock, no files, no database) so that the exact
//! same code runs inside the services and in the offline verifier, and so that an
//! outside party can reimplement it from this documentation alone.
//!
//! # Chain
//!
//! Records of one tenant carry `seq` 1, 2, 3, … without gaps. Record 1 has
//! `prev_hash` = [`GENESIS_HASH`] (64 × `0`); every later record has `prev_hash` equal
//! to the `hash` of the record before it. `hash` is the lowercase hex SHA-256 of the
//! record's canonical encoding.
//!
//! # Canonical record encoding (format 1)
//!
//! The canonical encoding is a JSON object, UTF-8, with **exactly** these eleven keys
//! in this (byte-wise sorted) order, no whitespace anywhere, absent optional values
//! written as `null`:
//!
//! ```text
//! {"acting_under":S?,"action":S,"actor":S,"client":S?,"decision":D,"prev_hash":S,
//!  "reason":S?,"resource":S,"seq":N,"tenant":S,"time":S}
//! ```
//!
//! (shown wrapped here; the real encoding is one line), where
//!
//! * `S` is a JSON string: `"` then each character of the value, then `"`. The characters
//!   `"` and `\` are written as `\"` and `\\`; U+0008, U+0009, U+000A, U+000C, U+000D as
//!   `\b`, `\t`, `\n`, `\f`, `\r`; every other character below U+0020 as `\u00xx` with
//!   lowercase hex digits; everything else (including `/`, U+007F and all non-ASCII) as its
//!   raw UTF-8 bytes. No Unicode normalisation is applied.
//! * `S?` is such a string or the literal `null`.
//! * `D` is `"allow"` or `"deny"`.
//! * `N` is the decimal integer without sign, leading zeros or exponent.
//! * `hash` itself is not part of the encoding.
//!
//! This is exactly what RFC 8785 (JCS) and `JSON.stringify` of an object with sorted keys
//! produce for these values (as long as `seq` < 2^53), so any JCS library can be used to
//! reimplement it.
//!
//! # Checkpoints
//!
//! A checkpoint states "the installation key saw tenant T's chain at seq N with hash H at
//! time X". The Ed25519 signature (RFC 8032, pure Ed25519, no prehash) is over the bytes
//!
//! ```text
//! suveren-audit-checkpoint-v1\n{"hash":S,"key_id":S,"seq":N,"tenant":S,"time":S}
//! ```
//!
//! (a fixed ASCII prefix ending in one line feed, then a JSON object encoded by the same
//! rules as above). The prefix keeps a checkpoint signature from ever being valid for
//! anything else signed with the same key. `key_id` is the first 16 lowercase hex
//! characters of SHA-256 over the 32 raw public key bytes; `signature` is the 64-byte
//! signature in standard, padded base64.
//!
//! # Export
//!
//! An export is JSON lines (see [`ExportLine`]): a header, then records in chain order
//! with checkpoints interleaved, ending with a checkpoint over the last record. See
//! [`verify_export`] for the exact rules and their limits.

mod canon;
mod export;
mod key;
mod record;
mod verify;

pub use export::{write_line, ExportLine, ALGORITHM, EXPORT_FORMAT};
pub use key::{checkpoint_message, key_id_for, verify_checkpoint, AuditError, AuditKey, Checkpoint};
pub use record::{seal, Draft, Outcome, Record};
pub use verify::{verify_export, VerifyError, VerifyReport};
pub use zeroize::Zeroizing;

/// The `prev_hash` of seq 1: there is no earlier record, and a fixed value keeps the
/// first link as checkable as every other one.
pub const GENESIS_HASH: &str = "0000000000000000000000000000000000000000000000000000000000000000";
