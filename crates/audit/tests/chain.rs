//! Honest exports must verify, and the report must say what was established.

mod common;

use common::*;
use suveren_audit::{verify_checkpoint, AuditKey, ExportLine, GENESIS_HASH};

#[test]
fn honest_export_with_periodic_checkpoints_verifies() {
    let key = AuditKey::generate();
    let records = chain(10);
    let lines = export(&key, &records, &[4, 8]);
    assert_eq!(lines.len(), 14);
    for trusted in [None, Some(key.public_key_b64())] {
        let report = verify_lines(&lines, trusted.as_deref()).unwrap();
        assert_eq!(report.tenant, TENANT);
        assert_eq!(report.records, 10);
        assert_eq!(report.last_seq, 10);
        assert_eq!(report.checkpoints, 3);
        assert_eq!(report.last_hash, records[9].hash);
        assert_eq!(report.key_id, key.key_id());
        assert_eq!(report.signed_at.as_deref(), Some("2026-11-23T12:00:00Z"));
    }
}

#[test]
fn export_with_only_the_final_checkpoint_verifies() {
    let key = AuditKey::generate();
    let report = verify_lines(&export(&key, &chain(3), &[]), None).unwrap();
    assert_eq!((report.records, report.checkpoints), (3, 1));
}

#[test]
fn periodic_checkpoint_on_the_last_record_is_fine() {
    let key = AuditKey::generate();
    let report = verify_lines(&export(&key, &chain(8), &[4, 8]), None).unwrap();
    assert_eq!((report.records, report.checkpoints), (8, 3));
}

#[test]
fn header_only_export_is_valid() {
    let key = AuditKey::generate();
    let report = verify_lines(&[key.export_header(TENANT, "2026-11-23T12:00:00Z")], None).unwrap();
    assert_eq!(report.records, 0);
    assert_eq!(report.last_seq, 0);
    assert_eq!(report.last_hash, GENESIS_HASH);
    assert_eq!(report.checkpoints, 0);
    assert_eq!(report.signed_at, None);
}

#[test]
fn empty_chain_may_carry_a_checkpoint_at_seq_0() {
    let key = AuditKey::generate();
    let lines = vec![
        key.export_header(TENANT, "2026-11-23T12:00:00Z"),
        ExportLine::Checkpoint(key.checkpoint(TENANT, 0, GENESIS_HASH, "2026-11-23T12:00:00Z")),
    ];
    let report = verify_lines(&lines, None).unwrap();
    assert_eq!((report.records, report.checkpoints), (0, 1));
    assert_eq!(report.signed_at.as_deref(), Some("2026-11-23T12:00:00Z"));

    let mut bad = lines.clone();
    bad[1] = ExportLine::Checkpoint(key.checkpoint(TENANT, 0, &"1".repeat(64), "t"));
    assert_eq!(
        verify_lines(&bad, None).unwrap_err().to_string(),
        "line 2: checkpoint at seq 0 does not match record seq 0"
    );
}

#[test]
fn awkward_field_values_survive_export_and_verification() {
    let key = AuditKey::generate();
    let mut d = draft(1);
    d.actor = "line\nbreak \"quoted\" back\\slash \u{0} tab\t".into();
    d.resource = "principal:Ærøskøbing ☃ 𝄞 \u{2028}".into();
    d.reason = Some(String::new());
    d.tenant = "_operator".into();
    let records = chain_from([d, draft(2)].map(|mut d| {
        d.tenant = "_operator".into();
        d
    }));
    let text = to_text(&export(&key, &records, &[]));
    assert_eq!(text.lines().count(), 4, "every entry must stay on one line");
    let report = verify_text(&text, Some(&key.public_key_b64())).unwrap();
    assert_eq!(report.tenant, "_operator");
}

#[test]
fn windows_line_endings_are_accepted() {
    let key = AuditKey::generate();
    let text = to_text(&standard(&key)).replace('\n', "\r\n");
    assert_eq!(verify_text(&text, None).unwrap().records, 10);
}

#[test]
fn key_survives_pem_round_trip_for_verification() {
    let key = AuditKey::generate();
    let pem = key.to_pkcs8_pem_zeroizing();
    assert!(pem.starts_with("-----BEGIN PRIVATE KEY-----"));
    let reloaded = AuditKey::from_pkcs8_pem(&pem).unwrap();
    let cp = reloaded.checkpoint(TENANT, 1, &"a".repeat(64), "2026-11-23T12:00:00Z");
    verify_checkpoint(&key.public_key_b64(), &cp).unwrap();
    assert_eq!(reloaded.key_id(), key.key_id());
}
