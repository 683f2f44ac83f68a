//! Property tests: any single mutation of an honest export is caught at the line where it
//! happened, and honest exports always verify.

use ed25519_dalek::pkcs8::EncodePrivateKey;
use proptest::prelude::*;
use proptest::sample::Index;
use serde_json::Value;
use suveren_audit::{seal, verify_export, write_line, AuditKey, Draft, ExportLine, Outcome, Record, VerifyReport};

fn text_field() -> impl Strategy<Value = String> {
    // Includes characters that need escaping so the canonical encoder is exercised too.
    proptest::string::string_regex("[a-z0-9 .:@\"\\\\\\n\\t\\x00æø☃]{0,10}").unwrap()
}

fn opt_field() -> impl Strategy<Value = Option<String>> {
    proptest::option::of(text_field())
}

fn arb_draft(tenant: String) -> impl Strategy<Value = Draft> {
    (text_field(), text_field(), opt_field(), text_field(), text_field(), any::<bool>(), opt_field(), opt_field())
        .prop_map(move |(time, actor, acting_under, action, resource, allow, reason, client)| Draft {
            tenant: tenant.clone(),
            time,
            actor,
            acting_under,
            action,
            resource,
            decision: if allow { Outcome::Allow } else { Outcome::Deny },
            reason,
            client,
        })
}

#[derive(Debug)]
struct Fixture {
    key: AuditKey,
    records: Vec<Record>,
    /// The export as text lines, header first, final checkpoint last.
    lines: Vec<String>,
    /// Whether each line is a record line.
    is_record: Vec<bool>,
}

fn arb_fixture() -> impl Strategy<Value = Fixture> {
    let tenant = proptest::string::string_regex("_?[a-z]{1,8}").unwrap();
    (tenant, 1usize..=12, any::<[u8; 32]>(), proptest::collection::vec(any::<bool>(), 12))
        .prop_flat_map(|(tenant, n, seed, periodic)| {
            (proptest::collection::vec(arb_draft(tenant), n), Just(seed), Just(periodic))
        })
        .prop_map(|(drafts, seed, periodic)| {
            let pem = ed25519_dalek::SigningKey::from_bytes(&seed).to_pkcs8_pem(Default::default()).unwrap();
            let key = AuditKey::from_pkcs8_pem(&pem).unwrap();
            let mut records: Vec<Record> = Vec::new();
            for d in drafts {
                let prev = records.last().map(|r| (r.seq, r.hash.as_str()));
                let r = seal(prev, d);
                records.push(r);
            }
            let tenant = records[0].tenant.clone();
            let n = records.len();
            let mut export = vec![key.export_header(&tenant, "2026-11-23T12:00:00Z")];
            for (i, r) in records.iter().enumerate() {
                export.push(ExportLine::Record(r.clone()));
                // Periodic checkpoints only before the last record, so that the final one is
                // the only checkpoint covering it.
                if i + 1 < n && periodic[i] {
                    export.push(ExportLine::Checkpoint(key.checkpoint(
                        &tenant,
                        r.seq,
                        &r.hash,
                        &format!("2026-11-23T11:00:{:02}Z", i),
                    )));
                }
            }
            let last = records.last().unwrap();
            export.push(ExportLine::Checkpoint(key.checkpoint(&tenant, last.seq, &last.hash, "2026-11-23T12:00:00Z")));
            let is_record = export.iter().map(|l| matches!(l, ExportLine::Record(_))).collect();
            let lines = export
                .iter()
                .map(|l| {
                    let mut out = Vec::new();
                    write_line(&mut out, l).unwrap();
                    String::from_utf8(out).unwrap().trim_end_matches('\n').to_owned()
                })
                .collect();
            Fixture { key, records, lines, is_record }
        })
}

#[derive(Debug, Clone)]
enum Mutation {
    DeleteRecord(Index),
    DeleteHeader,
    DeleteFinalCheckpoint,
    DuplicateRecord(Index),
    SwapRecords(Index, Index),
    SwapHeaderWith(Index),
    EditField {
        line: Index,
        field: Index,
        at: Index,
        down: bool,
    },
    /// What an attacker with database access but without the key would do.
    EditRecordAndRehash {
        record: Index,
        field: Index,
        at: Index,
        down: bool,
    },
}

fn arb_mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        2 => any::<Index>().prop_map(Mutation::DeleteRecord),
        1 => Just(Mutation::DeleteHeader),
        1 => Just(Mutation::DeleteFinalCheckpoint),
        1 => any::<Index>().prop_map(Mutation::DuplicateRecord),
        2 => (any::<Index>(), any::<Index>()).prop_map(|(a, b)| Mutation::SwapRecords(a, b)),
        1 => any::<Index>().prop_map(Mutation::SwapHeaderWith),
        // Weighted up: field edits are the most varied kind.
        6 => (any::<Index>(), any::<Index>(), any::<Index>(), any::<bool>())
            .prop_map(|(line, field, at, down)| Mutation::EditField { line, field, at, down }),
        4 => (any::<Index>(), any::<Index>(), any::<Index>(), any::<bool>()).prop_map(
            |(record, field, at, down)| Mutation::EditRecordAndRehash { record, field, at, down }
        ),
    ]
}

/// Changes one JSON value so that it is guaranteed to differ from before.
fn edit_value(key: &str, v: &mut Value, at: &Index, down: bool) {
    match v {
        Value::Null => *v = Value::String("x".into()),
        Value::String(s) if key == "decision" => {
            *s = if s == "allow" { "deny" } else { "allow" }.into();
        }
        Value::String(s) if s.is_empty() => s.push('x'),
        Value::String(s) => {
            let chars: Vec<char> = s.chars().collect();
            let i = at.index(chars.len());
            let new = if chars[i] == 'a' { 'b' } else { 'a' };
            *s = chars.iter().enumerate().map(|(j, &c)| if j == i { new } else { c }).collect();
        }
        Value::Number(n) => {
            let n = n.as_u64().unwrap();
            *v = Value::from(if down && n > 0 { n - 1 } else { n + 1 });
        }
        other => panic!("unexpected JSON value {other}"),
    }
}

/// Applies the mutation; returns the mutated lines and the 1-based line the verifier must
/// name (`None` where the honest answer is "somewhere up to the first checkpoint").
fn apply(f: &Fixture, m: &Mutation) -> Option<(Vec<String>, Option<usize>)> {
    let mut lines = f.lines.clone();
    let record_idx: Vec<usize> = (0..lines.len()).filter(|&i| f.is_record[i]).collect();
    let expect = match m {
        Mutation::DeleteRecord(i) => {
            let i = record_idx[i.index(record_idx.len())];
            lines.remove(i);
            Some(i + 1)
        }
        Mutation::DeleteHeader => {
            lines.remove(0);
            Some(1)
        }
        Mutation::DeleteFinalCheckpoint => {
            lines.pop();
            Some(lines.len())
        }
        Mutation::DuplicateRecord(i) => {
            let i = record_idx[i.index(record_idx.len())];
            lines.insert(i + 1, lines[i].clone());
            Some(i + 2)
        }
        Mutation::SwapRecords(a, b) => {
            let (a, b) = (a.index(record_idx.len()), b.index(record_idx.len()));
            if a == b {
                return None;
            }
            let (a, b) = (record_idx[a.min(b)], record_idx[a.max(b)]);
            lines.swap(a, b);
            Some(a + 1)
        }
        Mutation::SwapHeaderWith(i) => {
            let i = 1 + i.index(lines.len() - 1);
            lines.swap(0, i);
            Some(1)
        }
        Mutation::EditField { line, field, at, down } => {
            let i = line.index(lines.len());
            let mut v: Value = serde_json::from_str(&lines[i]).unwrap();
            let obj = v.as_object_mut().unwrap();
            // The header's export time is informational and unsigned by design.
            let keys: Vec<String> = obj.keys().filter(|k| *k != "exported_at").cloned().collect();
            let key = &keys[field.index(keys.len())];
            edit_value(key, obj.get_mut(key).unwrap(), at, *down);
            lines[i] = serde_json::to_string(&v).unwrap();
            (i > 0).then_some(i + 1)
        }
        Mutation::EditRecordAndRehash { record, field, at, down } => {
            let i = record_idx[record.index(record_idx.len())];
            let mut v: Value = serde_json::from_str(&lines[i]).unwrap();
            let obj = v.as_object_mut().unwrap();
            let keys: Vec<String> = obj.keys().filter(|k| *k != "type" && *k != "hash").cloned().collect();
            let key = keys[field.index(keys.len())].clone();
            edit_value(&key, obj.get_mut(&key).unwrap(), at, *down);
            let ExportLine::Record(mut rec) = serde_json::from_value(v).unwrap() else { unreachable!() };
            rec.hash = rec.compute_hash();
            let mut out = Vec::new();
            write_line(&mut out, &ExportLine::Record(rec)).unwrap();
            lines[i] = String::from_utf8(out).unwrap().trim_end_matches('\n').to_owned();
            // Its own position fields are checked on its own line; anything else only shows
            // on the next line: the next record's prev_hash or the checkpoint over it.
            Some(if ["seq", "tenant", "prev_hash"].contains(&key.as_str()) { i + 1 } else { i + 2 })
        }
    };
    Some((lines, expect))
}

fn verify(lines: &[String], trusted: Option<&str>) -> Result<VerifyReport, suveren_audit::VerifyError> {
    let text = lines.join("\n") + "\n";
    verify_export(text.as_bytes(), trusted)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn untouched_export_always_verifies(f in arb_fixture()) {
        for trusted in [None, Some(f.key.public_key_b64())] {
            let report = verify(&f.lines, trusted.as_deref()).unwrap();
            let last = f.records.last().unwrap();
            prop_assert_eq!(report.last_seq, last.seq);
            prop_assert_eq!(report.records, f.records.len() as u64);
            prop_assert_eq!(&report.last_hash, &last.hash);
            prop_assert_eq!(&report.key_id, &f.key.key_id());
            prop_assert_eq!(
                report.checkpoints as usize,
                f.lines.len() - 1 - f.records.len()
            );
        }
    }

    #[test]
    fn any_single_mutation_is_caught_at_its_line(f in arb_fixture(), m in arb_mutation()) {
        let Some((lines, expect)) = apply(&f, &m) else { return Ok(()) };
        prop_assert_ne!(&lines, &f.lines, "mutation {:?} changed nothing", m);
        let err = match verify(&lines, None) {
            Ok(report) => return Err(TestCaseError::fail(format!("{m:?} verified: {report:?}"))),
            Err(e) => e,
        };
        let line = err.line().expect("errors from the file name a line") as usize;
        match expect {
            Some(expected) => prop_assert_eq!(line, expected, "{:?}: {}", m, err),
            None => {
                let first_cp = (0..f.lines.len()).find(|&i| i > 0 && !f.is_record[i]).unwrap() + 1;
                prop_assert!(line <= first_cp, "{:?}: {}", m, err);
            }
        }
        prop_assert!(err.to_string().starts_with(&format!("line {line}: ")), "{}", err);
    }

    #[test]
    fn dropping_an_intermediate_checkpoint_loses_no_record(f in arb_fixture(), i in any::<Index>()) {
        // Checkpoints are evidence about records, not content: without one the records are
        // still fully chained and the final checkpoint still covers them all.
        let intermediate: Vec<usize> =
            (1..f.lines.len() - 1).filter(|&j| !f.is_record[j]).collect();
        if intermediate.is_empty() {
            return Ok(());
        }
        let mut lines = f.lines.clone();
        lines.remove(intermediate[i.index(intermediate.len())]);
        let report = verify(&lines, None).unwrap();
        prop_assert_eq!(report.records, f.records.len() as u64);
    }
}
