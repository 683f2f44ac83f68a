//! Builders shared by the integration tests: honest chains and exports to tamper with.
#![allow(dead_code)] // each test binary uses a different subset

use suveren_audit::{
    seal, verify_export, write_line, AuditKey, Draft, ExportLine, Outcome, Record, VerifyError, VerifyReport,
};

pub const TENANT: &str = "nordvik";

/// A deterministic, varied draft so neighbouring records never look alike.
pub fn draft(i: u64) -> Draft {
    Draft {
        tenant: TENANT.into(),
        time: format!("2026-11-22T10:{:02}:{:02}.123Z", (i / 60) % 60, i % 60),
        actor: if i.is_multiple_of(3) { "system".into() } else { format!("user{i}") },
        acting_under: i.is_multiple_of(5).then(|| format!("grant-{i}")),
        action: if i.is_multiple_of(2) { "directory.search".into() } else { "auth.login".into() },
        resource: format!("principal:user{i}@nordvik.test"),
        decision: if i.is_multiple_of(4) { Outcome::Deny } else { Outcome::Allow },
        reason: i.is_multiple_of(4).then(|| "not a member of \"staff\"".to_string()),
        client: Some(format!("192.0.2.{}", i % 250)),
    }
}

pub fn chain(n: u64) -> Vec<Record> {
    chain_from((1..=n).map(draft))
}

pub fn chain_from(drafts: impl IntoIterator<Item = Draft>) -> Vec<Record> {
    let mut out: Vec<Record> = Vec::new();
    for d in drafts {
        let prev = out.last().map(|r| (r.seq, r.hash.as_str()));
        let r = seal(prev, d);
        out.push(r);
    }
    out
}

pub fn cp_time(seq: u64) -> String {
    format!("2026-11-23T00:00:{:02}Z", seq % 60)
}

/// Header, the records, a checkpoint after every record whose seq is in `checkpoint_at`
/// (the exporter's periodic ones), and the final checkpoint over the last record, the way
/// the exporter writes it.
pub fn export(key: &AuditKey, records: &[Record], checkpoint_at: &[u64]) -> Vec<ExportLine> {
    let tenant = records.first().map_or(TENANT, |r| r.tenant.as_str());
    let mut lines = vec![key.export_header(tenant, "2026-11-23T12:00:00Z")];
    for r in records {
        lines.push(ExportLine::Record(r.clone()));
        if checkpoint_at.contains(&r.seq) {
            lines.push(ExportLine::Checkpoint(key.checkpoint(tenant, r.seq, &r.hash, &cp_time(r.seq))));
        }
    }
    if let Some(last) = records.last() {
        lines.push(ExportLine::Checkpoint(key.checkpoint(tenant, last.seq, &last.hash, "2026-11-23T12:00:00Z")));
    }
    lines
}

/// The standard fixture: 10 records, checkpoints after seq 4 and 8, final one after 10.
///
/// ```text
/// line  1 header      line  6 cp 4        line 11 cp 8
/// line  2 rec 1       line  7 rec 5       line 12 rec 9
/// line  3 rec 2       line  8 rec 6       line 13 rec 10
/// line  4 rec 3       line  9 rec 7       line 14 cp 10 (final)
/// line  5 rec 4       line 10 rec 8
/// ```
pub fn standard(key: &AuditKey) -> Vec<ExportLine> {
    export(key, &chain(10), &[4, 8])
}

pub fn to_text(lines: &[ExportLine]) -> String {
    let mut out = Vec::new();
    for l in lines {
        write_line(&mut out, l).unwrap();
    }
    String::from_utf8(out).unwrap()
}

pub fn verify_lines(lines: &[ExportLine], trusted: Option<&str>) -> Result<VerifyReport, VerifyError> {
    verify_text(&to_text(lines), trusted)
}

pub fn verify_text(text: &str, trusted: Option<&str>) -> Result<VerifyReport, VerifyError> {
    verify_export(text.as_bytes(), trusted)
}

/// Index into the line vector for a 1-based line number, so tests read like the table above.
pub fn at(line: usize) -> usize {
    line - 1
}

pub fn record_mut(lines: &mut [ExportLine], line: usize) -> &mut Record {
    match &mut lines[at(line)] {
        ExportLine::Record(r) => r,
        other => panic!("line {line} is a {} line", other.kind()),
    }
}

pub fn checkpoint_mut(lines: &mut [ExportLine], line: usize) -> &mut suveren_audit::Checkpoint {
    match &mut lines[at(line)] {
        ExportLine::Checkpoint(c) => c,
        other => panic!("line {line} is a {} line", other.kind()),
    }
}

/// Runs verification expecting failure and returns the message, so a test can pin it.
pub fn fails(lines: &[ExportLine], trusted: Option<&str>) -> String {
    match verify_lines(lines, trusted) {
        Ok(report) => panic!("tampered export verified: {report:?}"),
        Err(e) => e.to_string(),
    }
}
