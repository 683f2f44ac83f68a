//! The export file format: one JSON object per line, tagged by `"type"`.
//!
//! JSON lines keep exports streamable for large tenants and readable with ordinary tools,
//! while every line stays self-describing for the verifier.

use std::io::Write;

use serde::{Deserialize, Serialize};

use crate::key::Checkpoint;
use crate::record::Record;

/// The only export format this crate writes and accepts; bumped on any incompatible change
/// so that an old verifier refuses a new export instead of misjudging it.
pub const EXPORT_FORMAT: u32 = 1;

/// The signature algorithm named in export headers.
pub const ALGORITHM: &str = "ed25519";

/// One line of an export file. A record line has the record's fields at top level next to
/// `"type":"record"`, so that simple tools (jq, grep) can read exports without knowing Rust.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "lowercase")]
pub enum ExportLine {
    /// Always the first line. It is not signed: the key it names is only trustworthy if it
    /// matches a key the auditor got through another channel (`trusted_public_key`), and
    /// `exported_at` is informational (the final checkpoint's time is the signed one).
    Header {
        format: u32,
        tenant: String,
        algorithm: String,
        public_key: String,
        key_id: String,
        exported_at: String,
    },
    Record(Record),
    Checkpoint(Checkpoint),
}

impl ExportLine {
    /// The `"type"` tag, for messages.
    pub fn kind(&self) -> &'static str {
        match self {
            ExportLine::Header { .. } => "header",
            ExportLine::Record(_) => "record",
            ExportLine::Checkpoint(_) => "checkpoint",
        }
    }

    /// The top-level keys a line of the given type may have; the verifier rejects others
    /// because unhashed extra fields could mislead a human reader of the export.
    pub(crate) fn allowed_keys(kind: &str) -> Option<&'static [&'static str]> {
        match kind {
            "header" => Some(&["type", "format", "tenant", "algorithm", "public_key", "key_id", "exported_at"]),
            "record" => Some(&[
                "type",
                "seq",
                "tenant",
                "time",
                "actor",
                "acting_under",
                "action",
                "resource",
                "decision",
                "reason",
                "client",
                "prev_hash",
                "hash",
            ]),
            "checkpoint" => Some(&["type", "tenant", "seq", "hash", "time", "key_id", "signature"]),
            _ => None,
        }
    }
}

/// Writes one JSON object and `'\n'`. JSON string escaping guarantees the object itself
/// contains no raw newline, so one line is always one export entry.
pub fn write_line(w: &mut impl Write, line: &ExportLine) -> std::io::Result<()> {
    serde_json::to_writer(&mut *w, line)?;
    w.write_all(b"\n")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::record::{seal, Draft, Outcome};

    fn record() -> Record {
        seal(
            None,
            Draft {
                tenant: "nordvik".into(),
                time: "2026-11-22T10:00:00Z".into(),
                actor: "multi\nline".into(),
                acting_under: None,
                action: "auth.login".into(),
                resource: "principal:x".into(),
                decision: Outcome::Deny,
                reason: None,
                client: None,
            },
        )
    }

    #[test]
    fn record_line_is_flat_and_round_trips() {
        let line = ExportLine::Record(record());
        let mut out = Vec::new();
        write_line(&mut out, &line).unwrap();
        assert_eq!(out.iter().filter(|&&b| b == b'\n').count(), 1);
        assert!(out.ends_with(b"\n"));
        let v: serde_json::Value = serde_json::from_slice(&out).unwrap();
        for k in ["type", "seq", "actor", "action", "resource", "prev_hash", "hash"] {
            assert!(v.get(k).is_some(), "missing top-level {k}");
        }
        assert_eq!(v["type"], "record");
        assert_eq!(v["decision"], "deny");
        assert_eq!(v["reason"], serde_json::Value::Null);
        let keys: Vec<&str> = v.as_object().unwrap().keys().map(String::as_str).collect();
        let mut allowed = ExportLine::allowed_keys("record").unwrap().to_vec();
        allowed.sort_unstable();
        assert_eq!(keys, allowed);
        let back: ExportLine = serde_json::from_slice(&out).unwrap();
        assert_eq!(back, line);
    }

    #[test]
    fn header_and_checkpoint_keys_match_the_allow_list() {
        let key = crate::AuditKey::generate();
        let lines = [
            key.export_header("nordvik", "2026-11-22T10:00:00Z"),
            ExportLine::Checkpoint(key.checkpoint("nordvik", 0, crate::GENESIS_HASH, "t")),
        ];
        for line in lines {
            let v = serde_json::to_value(&line).unwrap();
            let mut keys: Vec<&str> = v.as_object().unwrap().keys().map(String::as_str).collect();
            let mut allowed = ExportLine::allowed_keys(line.kind()).unwrap().to_vec();
            keys.sort_unstable();
            allowed.sort_unstable();
            assert_eq!(keys, allowed);
        }
    }
}
