//! Offline verification of an export, naming the first line where the evidence breaks.
//!
//! An auditor needs more than "invalid": they need to know which record to look at. The
//! checks are therefore ordered so that the first error points at the earliest record that
//! cannot be trusted, and every error carries its 1-based line number.

use std::io::BufRead;

use ed25519_dalek::VerifyingKey;
use serde::Serialize;

use crate::export::{ExportLine, ALGORITHM, EXPORT_FORMAT};
use crate::key::{key_id_for, parse_public_key, verify_with, AuditError, Checkpoint};
use crate::record::Record;
use crate::GENESIS_HASH;

/// What a successful verification established.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct VerifyReport {
    pub tenant: String,
    pub records: u64,
    pub checkpoints: u64,
    /// 0 for an export without records.
    pub last_seq: u64,
    /// [`GENESIS_HASH`] for an export without records.
    pub last_hash: String,
    pub key_id: String,
    /// Signed time of the final checkpoint, `None` for a header-only export. Unlike the
    /// header's `exported_at` this is authenticated, so it is the honest answer to "how
    /// recent is the evidence in this file".
    pub signed_at: Option<String>,
}

/// Why an export failed verification. Every variant names the line; record and checkpoint
/// problems also name the seq.
#[derive(Debug, thiserror::Error)]
pub enum VerifyError {
    #[error("the trusted public key given to the verifier is invalid: {0}")]
    TrustedKey(AuditError),
    #[error("line {line}: cannot be read: {source}")]
    Io { line: u64, source: std::io::Error },
    #[error("line 1: export is empty, expected a header")]
    Empty,
    #[error("line {line}: malformed: {message}")]
    Malformed { line: u64, message: String },
    #[error("line {line}: unknown line type {kind:?}")]
    UnknownType { line: u64, kind: String },
    #[error("line {line}: expected the header, found a {found} line")]
    MissingHeader { line: u64, found: &'static str },
    #[error("line {line}: a second header; only the first line may be a header")]
    ExtraHeader { line: u64 },
    #[error("line {line}: unsupported export format {format} (this verifier knows format {EXPORT_FORMAT})")]
    UnsupportedFormat { line: u64, format: u32 },
    #[error("line {line}: unsupported signature algorithm {algorithm:?} (expected {ALGORITHM:?})")]
    UnsupportedAlgorithm { line: u64, algorithm: String },
    #[error("line {line}: header public key is invalid: {source}")]
    HeaderKey { line: u64, source: AuditError },
    #[error("line {line}: header key_id {found} does not belong to its public key (id {expected})")]
    HeaderKeyId { line: u64, found: String, expected: String },
    #[error("line {line}: header public key (id {found}) is not the trusted key (id {trusted})")]
    UntrustedKey { line: u64, found: String, trusted: String },
    #[error("line {line}: {what} belongs to tenant {found:?}, but the export is for {expected:?}")]
    TenantMismatch { line: u64, seq: u64, what: &'static str, found: String, expected: String },
    #[error("line {line}: first record has seq {seq}, expected seq 1: record(s) removed or reordered")]
    FirstSeq { line: u64, seq: u64 },
    #[error("line {line}: record seq {seq} follows seq {prev_seq}: record(s) removed or reordered")]
    SeqGap { line: u64, seq: u64, prev_seq: u64 },
    #[error("line {line}: record seq {seq} was altered (hash does not match its contents)")]
    Altered { line: u64, seq: u64 },
    #[error("line {line}: record seq 1 does not start from the genesis hash (prev_hash altered)")]
    NotGenesis { line: u64 },
    #[error(
        "line {line}: record seq {seq} does not chain to seq {prev_seq} (its prev_hash differs from \
         seq {prev_seq}'s hash): seq {prev_seq} was altered and rehashed, or this record was"
    )]
    BrokenLink { line: u64, seq: u64, prev_seq: u64 },
    #[error("line {line}: checkpoint at seq {seq} signature invalid: {source}")]
    CheckpointSignature { line: u64, seq: u64, source: AuditError },
    #[error(
        "line {line}: checkpoint at seq {seq} comes before record seq {seq} \
         (last record so far is seq {last_seq}): record(s) removed or reordered"
    )]
    CheckpointAhead { line: u64, seq: u64, last_seq: u64 },
    #[error("line {line}: checkpoint at seq {seq} does not match record seq {seq}")]
    CheckpointMismatch { line: u64, seq: u64 },
    #[error(
        "line {line}: export ends at seq {last_seq} after the last checkpoint at seq {checkpoint_seq}: \
         record(s) may have been removed from the end (an export must end with a checkpoint \
         covering its last record)"
    )]
    UnsealedTail { line: u64, last_seq: u64, checkpoint_seq: u64 },
    #[error(
        "line {line}: export ends at seq {last_seq} without any checkpoint: record(s) may have \
         been removed from the end (an export must end with a checkpoint covering its last record)"
    )]
    Unsigned { line: u64, last_seq: u64 },
}

impl VerifyError {
    /// The 1-based line the problem was found on, for tools that highlight it; `None` only
    /// when the problem is not in the file (an invalid trusted key).
    pub fn line(&self) -> Option<u64> {
        use VerifyError::*;
        match self {
            TrustedKey(_) => None,
            Empty => Some(1),
            Io { line, .. }
            | Malformed { line, .. }
            | UnknownType { line, .. }
            | MissingHeader { line, .. }
            | ExtraHeader { line }
            | UnsupportedFormat { line, .. }
            | UnsupportedAlgorithm { line, .. }
            | HeaderKey { line, .. }
            | HeaderKeyId { line, .. }
            | UntrustedKey { line, .. }
            | TenantMismatch { line, .. }
            | FirstSeq { line, .. }
            | SeqGap { line, .. }
            | Altered { line, .. }
            | NotGenesis { line }
            | BrokenLink { line, .. }
            | CheckpointSignature { line, .. }
            | CheckpointAhead { line, .. }
            | CheckpointMismatch { line, .. }
            | UnsealedTail { line, .. }
            | Unsigned { line, .. } => Some(*line),
        }
    }

    /// The seq of the record or checkpoint the error is about, where there is one.
    pub fn seq(&self) -> Option<u64> {
        use VerifyError::*;
        match self {
            TenantMismatch { seq, .. }
            | FirstSeq { seq, .. }
            | SeqGap { seq, .. }
            | Altered { seq, .. }
            | BrokenLink { seq, .. }
            | CheckpointSignature { seq, .. }
            | CheckpointAhead { seq, .. }
            | CheckpointMismatch { seq, .. } => Some(*seq),
            NotGenesis { .. } => Some(1),
            UnsealedTail { last_seq, .. } | Unsigned { last_seq, .. } => Some(*last_seq),
            _ => None,
        }
    }
}

/// Verifies an export read line by line (memory grows with 32 bytes per record, for
/// checking checkpoints against earlier records).
///
/// Rules: line 1 is the header (format 1, ed25519, a valid public key whose id matches
/// `key_id`; if `trusted_public_key` is given the header key must equal it). Records start
/// at seq 1 with prev_hash [`GENESIS_HASH`], are contiguous, each prev_hash equals the
/// previous record's hash and each hash recomputes. Every checkpoint must verify with the
/// header key and its (seq, hash) must equal the record at that seq seen earlier (seq 0
/// means the empty chain, hash [`GENESIS_HASH`]). All records and checkpoints must be for
/// the header's tenant. The last line must be a checkpoint covering the last record; a
/// header-only export is valid. Lines must not carry fields beyond the documented ones.
///
/// Limits, by construction: the header is unsigned, so without `trusted_public_key` an
/// attacker with their own key can re-sign a rewritten export; cutting an export back to
/// exactly an intermediate checkpoint (or to the header alone) is indistinguishable from a
/// shorter honest export, which is why the report states `last_seq` and `signed_at`; and
/// dropping an intermediate checkpoint loses no record, so it is not an error.
pub fn verify_export(r: impl BufRead, trusted_public_key: Option<&str>) -> Result<VerifyReport, VerifyError> {
    let trusted = trusted_public_key.map(parse_public_key).transpose().map_err(VerifyError::TrustedKey)?;
    let mut state: Option<State> = None;
    let mut line_no: u64 = 0;
    for text in r.lines() {
        line_no += 1;
        let line = line_no;
        let text = text.map_err(|source| VerifyError::Io { line, source })?;
        let parsed = parse_line(line, &text)?;
        match state.as_mut() {
            None => state = Some(State::from_header(line, parsed, trusted.as_ref())?),
            Some(s) => match parsed {
                ExportLine::Header { .. } => return Err(VerifyError::ExtraHeader { line }),
                ExportLine::Record(rec) => s.record(line, rec)?,
                ExportLine::Checkpoint(cp) => s.checkpoint(line, cp)?,
            },
        }
    }
    state.ok_or(VerifyError::Empty)?.finish(line_no)
}

fn parse_line(line: u64, text: &str) -> Result<ExportLine, VerifyError> {
    let malformed = |message: String| VerifyError::Malformed { line, message };
    if text.trim().is_empty() {
        return Err(malformed("empty line".into()));
    }
    let value: serde_json::Value = serde_json::from_str(text).map_err(|e| malformed(format!("not JSON: {e}")))?;
    let obj = value.as_object().ok_or_else(|| malformed("not a JSON object".into()))?;
    let kind = match obj.get("type") {
        Some(serde_json::Value::String(k)) => k.as_str(),
        Some(_) => return Err(malformed("\"type\" is not a string".into())),
        None => return Err(malformed("no \"type\" field".into())),
    };
    let allowed =
        ExportLine::allowed_keys(kind).ok_or_else(|| VerifyError::UnknownType { line, kind: kind.to_owned() })?;
    if let Some(extra) = obj.keys().find(|k| !allowed.contains(&k.as_str())) {
        return Err(malformed(format!("unexpected field {extra:?} in a {kind} line")));
    }
    // Parsed again from the text (not from `value`) so that duplicate keys, which a JSON
    // map would silently collapse, are rejected instead of read two different ways.
    serde_json::from_str(text).map_err(|e| malformed(format!("invalid {kind} line: {e}")))
}

struct State {
    tenant: String,
    key: VerifyingKey,
    key_id: String,
    /// Hash of record seq `i + 1` at index `i`.
    hashes: Vec<[u8; 32]>,
    last_hash: String,
    checkpoints: u64,
    max_checkpoint_seq: Option<u64>,
    /// Whether the most recent line was a checkpoint over the most recent record.
    covered: bool,
    signed_at: Option<String>,
}

impl State {
    fn from_header(line: u64, parsed: ExportLine, trusted: Option<&VerifyingKey>) -> Result<Self, VerifyError> {
        let ExportLine::Header { format, tenant, algorithm, public_key, key_id, exported_at: _ } = parsed else {
            return Err(VerifyError::MissingHeader { line, found: parsed.kind() });
        };
        if format != EXPORT_FORMAT {
            return Err(VerifyError::UnsupportedFormat { line, format });
        }
        if algorithm != ALGORITHM {
            return Err(VerifyError::UnsupportedAlgorithm { line, algorithm });
        }
        let key = parse_public_key(&public_key).map_err(|source| VerifyError::HeaderKey { line, source })?;
        let expected = key_id_for(key.as_bytes());
        if key_id != expected {
            return Err(VerifyError::HeaderKeyId { line, found: key_id, expected });
        }
        if let Some(t) = trusted {
            if t.as_bytes() != key.as_bytes() {
                return Err(VerifyError::UntrustedKey { line, found: key_id, trusted: key_id_for(t.as_bytes()) });
            }
        }
        Ok(State {
            tenant,
            key,
            key_id,
            hashes: Vec::new(),
            last_hash: GENESIS_HASH.to_owned(),
            checkpoints: 0,
            max_checkpoint_seq: None,
            covered: false,
            signed_at: None,
        })
    }

    fn last_seq(&self) -> u64 {
        self.hashes.len() as u64
    }

    fn record(&mut self, line: u64, rec: Record) -> Result<(), VerifyError> {
        let prev_seq = self.last_seq();
        if rec.seq != prev_seq + 1 {
            return Err(if prev_seq == 0 {
                VerifyError::FirstSeq { line, seq: rec.seq }
            } else {
                VerifyError::SeqGap { line, seq: rec.seq, prev_seq }
            });
        }
        if rec.tenant != self.tenant {
            return Err(VerifyError::TenantMismatch {
                line,
                seq: rec.seq,
                what: "record",
                found: rec.tenant,
                expected: self.tenant.clone(),
            });
        }
        // Own hash before the link: an edited record is then reported as itself, not as a
        // broken link on the record after it.
        if rec.compute_hash() != rec.hash {
            return Err(VerifyError::Altered { line, seq: rec.seq });
        }
        if rec.prev_hash != self.last_hash {
            return Err(if prev_seq == 0 {
                VerifyError::NotGenesis { line }
            } else {
                VerifyError::BrokenLink { line, seq: rec.seq, prev_seq }
            });
        }
        let mut raw = [0u8; 32];
        hex::decode_to_slice(&rec.hash, &mut raw).expect("a recomputed hash is 64 hex digits");
        self.hashes.push(raw);
        self.last_hash = rec.hash;
        self.covered = false;
        Ok(())
    }

    fn checkpoint(&mut self, line: u64, cp: Checkpoint) -> Result<(), VerifyError> {
        let seq = cp.seq;
        if cp.tenant != self.tenant {
            return Err(VerifyError::TenantMismatch {
                line,
                seq,
                what: "checkpoint",
                found: cp.tenant,
                expected: self.tenant.clone(),
            });
        }
        verify_with(&self.key, &cp).map_err(|source| VerifyError::CheckpointSignature { line, seq, source })?;
        let last_seq = self.last_seq();
        if seq > last_seq {
            return Err(VerifyError::CheckpointAhead { line, seq, last_seq });
        }
        let matches = match seq {
            0 => cp.hash == GENESIS_HASH,
            s => hex::encode(self.hashes[(s - 1) as usize]) == cp.hash,
        };
        if !matches {
            return Err(VerifyError::CheckpointMismatch { line, seq });
        }
        self.checkpoints += 1;
        self.max_checkpoint_seq = Some(self.max_checkpoint_seq.map_or(seq, |m| m.max(seq)));
        self.covered = seq == last_seq;
        self.signed_at = Some(cp.time);
        Ok(())
    }

    fn finish(self, line: u64) -> Result<VerifyReport, VerifyError> {
        let last_seq = self.last_seq();
        if last_seq > 0 && !self.covered {
            return Err(match self.max_checkpoint_seq {
                Some(checkpoint_seq) => VerifyError::UnsealedTail { line, last_seq, checkpoint_seq },
                None => VerifyError::Unsigned { line, last_seq },
            });
        }
        Ok(VerifyReport {
            tenant: self.tenant,
            records: last_seq,
            checkpoints: self.checkpoints,
            last_seq,
            last_hash: self.last_hash,
            key_id: self.key_id,
            signed_at: self.signed_at,
        })
    }
}
