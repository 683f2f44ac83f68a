//! Offline verification of audit exports (`suveren audit verify`):
//! `suveren_audit::verify_export` must answer Ok or a clean error for any
//! bytes, with or without a trusted public key, and must accept every
//! export that the honest writer produces.
//!
//! Byte 0 (modulo 4) picks the mode; the rest is the payload.
//!
//! * 0: verify the payload, no trusted key.
//! * 1: verify the payload, trusting the seed key (`seed_audit_key`), which
//!   signed the committed seed exports, so mutations reach the chain checks.
//! * 2: the payload's first line is the trusted key, the rest the export.
//! * 3: structure-aware: the payload's \0-separated fields become a tenant
//!   and records (time, actor, action, resource, extra), sealed and signed
//!   by the honest writer with checkpoints every (byte 1 % 4 + 1) records;
//!   the result must verify, trusted or not, and report every record.
#![no_main]

use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use suveren_audit::{seal, verify_export, write_line, AuditKey, Draft, ExportLine, Outcome};

fn key() -> &'static (AuditKey, String) {
    static K: OnceLock<(AuditKey, String)> = OnceLock::new();
    K.get_or_init(|| {
        let k = suveren_fuzz::seed_audit_key();
        let p = k.public_key_b64();
        (k, p)
    })
}

fn exercise(r: Result<suveren_audit::VerifyReport, suveren_audit::VerifyError>) {
    if let Err(e) = r {
        // The messages and accessors the CLI prints must not panic either.
        let _ = e.to_string();
        let _ = (e.line(), e.seq());
    }
}

fn honest(data: &[u8]) {
    let (key, public) = key();
    let every = u64::from(data.first().copied().unwrap_or(0) % 4 + 1);
    let rest = data.get(1..).unwrap_or(&[]);
    let fields: Vec<String> = rest.split(|&b| b == 0).map(|f| String::from_utf8_lossy(f).into_owned()).collect();
    let tenant = fields[0].clone();
    let mut out = Vec::new();
    write_line(&mut out, &key.export_header(&tenant, "2026-01-01T00:00:00Z")).expect("write header");
    let mut prev: Option<(u64, String)> = None;
    let mut n = 0u64;
    // At most 64 records: each costs a signature, and longer chains add no new checks.
    for (i, f) in fields[1..].chunks(5).take(64).enumerate() {
        let get = |j: usize| f.get(j).cloned().unwrap_or_default();
        let extra = get(4);
        let opt = |s: &str| (!s.is_empty()).then(|| s.to_string());
        let draft = Draft {
            tenant: tenant.clone(),
            time: get(0),
            actor: get(1),
            acting_under: if i % 3 == 0 { opt(&extra) } else { None },
            action: get(2),
            resource: get(3),
            decision: if i % 2 == 0 { Outcome::Allow } else { Outcome::Deny },
            reason: if i % 3 == 1 { opt(&extra) } else { None },
            client: if i % 3 == 2 { opt(&extra) } else { None },
        };
        let rec = seal(prev.as_ref().map(|(s, h)| (*s, h.as_str())), draft);
        prev = Some((rec.seq, rec.hash.clone()));
        n = rec.seq;
        let (seq, hash) = (rec.seq, rec.hash.clone());
        write_line(&mut out, &ExportLine::Record(rec)).expect("write record");
        if seq % every == 0 {
            let cp = key.checkpoint(&tenant, seq, &hash, "2026-01-01T00:00:01Z");
            write_line(&mut out, &ExportLine::Checkpoint(cp)).expect("write checkpoint");
        }
    }
    if let Some((seq, hash)) = &prev {
        if seq % every != 0 {
            let cp = key.checkpoint(&tenant, *seq, hash, "2026-01-01T00:00:02Z");
            write_line(&mut out, &ExportLine::Checkpoint(cp)).expect("write checkpoint");
        }
    }
    for trusted in [None, Some(public.as_str())] {
        match verify_export(&out[..], trusted) {
            Ok(rep) => {
                assert_eq!(rep.records, n, "record count");
                assert_eq!(rep.tenant, tenant, "tenant");
            }
            Err(e) => panic!("an honest export does not verify: {e}\n{}", String::from_utf8_lossy(&out)),
        }
    }
}

fuzz_target!(|data: &[u8]| {
    let Some((&mode, rest)) = data.split_first() else {
        return;
    };
    match mode % 4 {
        0 => exercise(verify_export(rest, None)),
        1 => exercise(verify_export(rest, Some(key().1.as_str()))),
        2 => {
            let (first, export) = match rest.iter().position(|&b| b == b'\n') {
                Some(i) => (&rest[..i], &rest[i + 1..]),
                None => (rest, &[][..]),
            };
            let trusted = String::from_utf8_lossy(first);
            exercise(verify_export(export, Some(trusted.as_ref())));
        }
        _ => honest(rest),
    }
});
