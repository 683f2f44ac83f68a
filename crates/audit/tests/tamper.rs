//! Each way of tampering with an export must be caught, and the message must point at the
//! right line and seq. Line numbers refer to the table in `common::standard`.

mod common;

use base64::Engine as _;
use common::*;
use ed25519_dalek::Signer as _;
use suveren_audit::{checkpoint_message, verify_export, AuditKey, ExportLine, Outcome, Record, VerifyError};

type RecordEdit = fn(&mut Record);

#[test]
fn the_standard_fixture_verifies_so_failures_below_are_due_to_the_tampering() {
    let key = AuditKey::generate();
    verify_lines(&standard(&key), Some(&key.public_key_b64())).unwrap();
}

#[test]
fn editing_a_record_field_names_that_record() {
    let key = AuditKey::generate();
    let edits: [(&str, RecordEdit); 4] = [
        ("actor", |r| r.actor = "mallory".into()),
        ("resource", |r| r.resource = "principal:someone.else@nordvik.test".into()),
        ("decision", |r| r.decision = Outcome::Deny),
        ("client", |r| r.client = None),
    ];
    for (field, edit) in edits {
        let mut lines = standard(&key);
        edit(record_mut(&mut lines, 8)); // seq 6, decision allow
        let err = verify_lines(&lines, None).unwrap_err();
        assert_eq!(
            err.to_string(),
            "line 8: record seq 6 was altered (hash does not match its contents)",
            "editing {field}"
        );
        assert_eq!((err.line(), err.seq()), (Some(8), Some(6)));
    }
}

#[test]
fn editing_and_rehashing_a_record_is_caught_by_the_next_link() {
    let key = AuditKey::generate();
    let mut lines = standard(&key);
    let r = record_mut(&mut lines, 8); // seq 6
    r.actor = "mallory".into();
    r.hash = r.compute_hash();
    let err = verify_lines(&lines, None).unwrap_err();
    assert!(matches!(err, VerifyError::BrokenLink { line: 9, seq: 7, prev_seq: 6 }), "{err}");
    assert!(err.to_string().starts_with("line 9: record seq 7 does not chain to seq 6"), "{err}");
    assert!(err.to_string().contains("seq 6 was altered and rehashed"), "{err}");
}

#[test]
fn editing_and_rehashing_a_checkpointed_record_is_caught_by_its_checkpoint() {
    let key = AuditKey::generate();
    for (line, seq, cp_line) in [(5, 4, 6), (13, 10, 14)] {
        let mut lines = standard(&key);
        let r = record_mut(&mut lines, line);
        assert_eq!(r.seq, seq);
        r.resource = "principal:covered.up@nordvik.test".into();
        r.hash = r.compute_hash();
        assert_eq!(
            fails(&lines, None),
            format!("line {cp_line}: checkpoint at seq {seq} does not match record seq {seq}")
        );
    }
}

#[test]
fn rewriting_the_whole_chain_from_a_record_on_is_caught_by_the_next_checkpoint() {
    let key = AuditKey::generate();
    let mut lines = standard(&key);
    let mut prev_hash = None;
    for line in 8..=13 {
        if let ExportLine::Record(r) = &mut lines[at(line)] {
            if r.seq == 6 {
                r.decision = Outcome::Deny;
            }
            if let Some(p) = prev_hash.take() {
                r.prev_hash = p;
            }
            r.hash = r.compute_hash();
            prev_hash = Some(r.hash.clone());
        }
    }
    assert_eq!(fails(&lines, None), "line 11: checkpoint at seq 8 does not match record seq 8");
}

#[test]
fn removing_a_record_in_the_middle_is_caught_where_the_gap_is() {
    let key = AuditKey::generate();
    let mut lines = standard(&key);
    lines.remove(at(8)); // seq 6
    assert_eq!(fails(&lines, None), "line 8: record seq 7 follows seq 5: record(s) removed or reordered");
}

#[test]
fn removing_the_first_record_is_caught() {
    let key = AuditKey::generate();
    let mut lines = standard(&key);
    lines.remove(at(2));
    assert_eq!(fails(&lines, None), "line 2: first record has seq 2, expected seq 1: record(s) removed or reordered");
}

#[test]
fn removing_the_last_records_is_caught() {
    let key = AuditKey::generate();

    // Tail cut at a record boundary: the final checkpoint goes with it.
    let mut lines = standard(&key);
    lines.truncate(12); // ends with rec 9
    let err = verify_lines(&lines, None).unwrap_err();
    assert!(
        err.to_string().starts_with(
            "line 12: export ends at seq 9 after the last checkpoint at seq 8: record(s) may have been removed"
        ),
        "{err}"
    );
    assert_eq!(err.seq(), Some(9));

    // Last records removed but the final checkpoint kept.
    let mut lines = standard(&key);
    lines.drain(at(12)..=at(13));
    assert_eq!(
        fails(&lines, None),
        "line 12: checkpoint at seq 10 comes before record seq 10 (last record so far is seq 8): \
         record(s) removed or reordered"
    );

    // Only the final checkpoint removed.
    let mut lines = standard(&key);
    lines.pop();
    assert!(fails(&lines, None).starts_with("line 13: export ends at seq 10 after the last checkpoint at seq 8"));

    // No checkpoint at all.
    let mut lines = standard(&key);
    lines.retain(|l| !matches!(l, ExportLine::Checkpoint(_)));
    assert!(fails(&lines, None).starts_with("line 11: export ends at seq 10 without any checkpoint"));
}

#[test]
fn cutting_back_to_an_intermediate_checkpoint_is_only_visible_in_the_report() {
    // The documented limit: this is indistinguishable from an honest export made when the
    // chain ended at seq 8, so it verifies, but the report says exactly what is covered.
    let key = AuditKey::generate();
    let mut lines = standard(&key);
    lines.truncate(11);
    let report = verify_lines(&lines, None).unwrap();
    assert_eq!(report.last_seq, 8);
    assert_eq!(report.signed_at, Some(cp_time(8)));
}

#[test]
fn swapping_two_records_is_caught_at_the_first_of_them() {
    let key = AuditKey::generate();
    let mut lines = standard(&key);
    lines.swap(at(8), at(9)); // seq 6 and 7
    assert_eq!(fails(&lines, None), "line 8: record seq 7 follows seq 5: record(s) removed or reordered");

    // Swapping and renumbering them breaks their hashes instead.
    let mut lines = standard(&key);
    lines.swap(at(8), at(9));
    record_mut(&mut lines, 8).seq = 6;
    record_mut(&mut lines, 9).seq = 7;
    assert_eq!(fails(&lines, None), "line 8: record seq 6 was altered (hash does not match its contents)");
}

#[test]
fn editing_a_checkpoint_breaks_its_signature() {
    let key = AuditKey::generate();
    let edits: [fn(&mut suveren_audit::Checkpoint); 5] = [
        |c| c.hash = "f".repeat(64),
        |c| c.seq = 7,
        |c| c.time = "2027-01-01T00:00:00Z".into(),
        |c| c.tenant = "sorvik".into(),
        |c| {
            let mut sig = base64::engine::general_purpose::STANDARD.decode(&c.signature).unwrap();
            sig[5] ^= 1;
            c.signature = base64::engine::general_purpose::STANDARD.encode(sig);
        },
    ];
    for (i, edit) in edits.into_iter().enumerate() {
        let mut lines = standard(&key);
        edit(checkpoint_mut(&mut lines, 11));
        let err = verify_lines(&lines, None).unwrap_err();
        assert_eq!(err.line(), Some(11), "edit {i}: {err}");
        let msg = err.to_string();
        if i == 3 {
            assert!(msg.contains("checkpoint belongs to tenant \"sorvik\""), "{msg}");
        } else {
            let seq = if i == 1 { 7 } else { 8 };
            assert_eq!(msg, format!("line 11: checkpoint at seq {seq} signature invalid: signature does not verify"));
        }
    }
}

#[test]
fn checkpoint_forged_with_another_key_is_rejected() {
    let key = AuditKey::generate();
    let forger = AuditKey::generate();

    // Honestly labelled with the forger's key id.
    let mut lines = standard(&key);
    let cp = checkpoint_mut(&mut lines, 11).clone();
    lines[at(11)] = ExportLine::Checkpoint(forger.checkpoint(&cp.tenant, cp.seq, &cp.hash, &cp.time));
    let msg = fails(&lines, None);
    assert!(msg.starts_with("line 11: checkpoint at seq 8 signature invalid: checkpoint names key id"), "{msg}");

    // Claiming the installation's key id.
    let forger_sk = ed25519_dalek::SigningKey::from_bytes(&[9u8; 32]);
    let msg_bytes = checkpoint_message(&cp.tenant, cp.seq, &cp.hash, &cp.time, &key.key_id());
    let mut forged = cp.clone();
    forged.signature = base64::engine::general_purpose::STANDARD.encode(forger_sk.sign(&msg_bytes).to_bytes());
    lines[at(11)] = ExportLine::Checkpoint(forged);
    assert_eq!(fails(&lines, None), "line 11: checkpoint at seq 8 signature invalid: signature does not verify");
}

#[test]
fn replacing_the_header_key_is_caught() {
    let key = AuditKey::generate();
    let attacker = AuditKey::generate();

    // Header key swapped but checkpoints left alone: the first checkpoint fails.
    let mut lines = standard(&key);
    lines[0] = attacker.export_header(TENANT, "2026-11-23T12:00:00Z");
    assert!(fails(&lines, None).starts_with("line 6: checkpoint at seq 4 signature invalid"));

    // A full rewrite re-signed with the attacker's key is self-consistent; only the trusted
    // key reveals it.
    let mut records = chain(10);
    records.truncate(5);
    let mut forged = export(&attacker, &records, &[4]);
    assert!(verify_lines(&forged, None).is_ok());
    let err = verify_lines(&forged, Some(&key.public_key_b64())).unwrap_err();
    assert_eq!(
        err.to_string(),
        format!("line 1: header public key (id {}) is not the trusted key (id {})", attacker.key_id(), key.key_id())
    );

    // Keeping the real key id next to the attacker's public key does not help.
    if let ExportLine::Header { key_id, .. } = &mut forged[0] {
        *key_id = key.key_id();
    }
    assert!(fails(&forged, None).starts_with("line 1: header key_id"));
}

#[test]
fn invalid_trusted_key_is_reported_as_such() {
    let key = AuditKey::generate();
    let err = verify_lines(&standard(&key), Some("not base64")).unwrap_err();
    assert!(matches!(err, VerifyError::TrustedKey(_)), "{err}");
}

#[test]
fn records_from_another_tenant_are_rejected() {
    let key = AuditKey::generate();
    let mut lines = standard(&key);
    if let ExportLine::Header { tenant, .. } = &mut lines[0] {
        *tenant = "sorvik".into();
    }
    assert_eq!(fails(&lines, None), "line 2: record belongs to tenant \"nordvik\", but the export is for \"sorvik\"");
}

#[test]
fn structural_problems_name_the_line() {
    let key = AuditKey::generate();
    let text = to_text(&standard(&key));
    let lines: Vec<&str> = text.lines().collect();
    let with = |i: usize, replacement: &str| {
        let mut l = lines.clone();
        l[i] = replacement;
        l.join("\n") + "\n"
    };
    let err = |t: &str| verify_text(t, None).unwrap_err().to_string();

    assert_eq!(err(""), "line 1: export is empty, expected a header");
    assert_eq!(err(&(lines[1..].join("\n") + "\n")), "line 1: expected the header, found a record line");
    assert!(err(&with(6, "{not json")).starts_with("line 7: malformed: not JSON"));
    assert!(err(&with(6, "")).starts_with("line 7: malformed: empty line"));
    assert!(err(&with(6, "[1,2]")).starts_with("line 7: malformed: not a JSON object"));
    assert_eq!(err(&with(6, r#"{"type":"note","text":"hi"}"#)), "line 7: unknown line type \"note\"");
    assert!(err(&with(6, r#"{"seq":5}"#)).starts_with("line 7: malformed: no \"type\""));
    assert_eq!(err(&with(6, lines[0])), "line 7: a second header; only the first line may be a header");

    let extra = lines[6].replacen('{', r#"{"approved_by":"the mayor","#, 1);
    assert!(err(&with(6, &extra)).starts_with("line 7: malformed: unexpected field \"approved_by\""));

    // A second "actor" could be read differently by different JSON parsers.
    let dup = lines[6].replacen('{', r#"{"actor":"mallory","#, 1);
    assert!(err(&with(6, &dup)).contains("duplicate field"), "{}", err(&with(6, &dup)));
    let dup_type = lines[6].replacen('{', r#"{"type":"checkpoint","#, 1);
    assert!(err(&with(6, &dup_type)).starts_with("line 7: malformed"));

    let mut bytes = with(6, "").into_bytes();
    let pos = bytes.iter().position(|&b| b == b'\n').unwrap();
    bytes.splice(pos + 1..pos + 1, [0xff, 0xfe, b'\n']);
    let e = verify_export(&bytes[..], None).unwrap_err();
    assert!(e.to_string().starts_with("line 2: cannot be read"), "{e}");
}

#[test]
fn wrong_format_or_algorithm_is_refused() {
    let key = AuditKey::generate();
    let mut lines = standard(&key);
    if let ExportLine::Header { format, .. } = &mut lines[0] {
        *format = 2;
    }
    assert!(fails(&lines, None).starts_with("line 1: unsupported export format 2"));
    let mut lines = standard(&key);
    if let ExportLine::Header { algorithm, .. } = &mut lines[0] {
        *algorithm = "rsa".into();
    }
    assert!(fails(&lines, None).starts_with("line 1: unsupported signature algorithm"));
}
