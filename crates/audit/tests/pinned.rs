//! Pinned values: exports outlive software versions, so any change to the canonical
//! encoding, the checkpoint message or the line format must show up here as a failure.
//! The literals were cross-checked with an independent Python implementation
//! (`json.dumps(sort_keys=True, separators=(",", ":"), ensure_ascii=False)`, `hashlib`,
//! and `cryptography`'s Ed25519), i.e. from the crate docs alone.

use suveren_audit::{
    seal, verify_checkpoint, verify_export, write_line, AuditKey, Draft, ExportLine, Outcome, GENESIS_HASH,
};

/// A test-only key (secret = 32 bytes of 0x07). Never use it for anything else.
const TEST_KEY_PEM: &str = "-----BEGIN PRIVATE KEY-----
MFECAQEwBQYDK2VwBCIEIAcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcH
gSEA6kpsY+KcUgq+9VB7Ey7F+ZVHdq6+vnuSQh7qaRRG0iw=
-----END PRIVATE KEY-----
";
const TEST_PUBLIC_KEY: &str = "6kpsY+KcUgq+9VB7Ey7F+ZVHdq6+vnuSQh7qaRRG0iw=";
const TEST_KEY_ID: &str = "fe812c12f3ab4ce6";

const HASH_1: &str = "0126e8f46be7d1ccddbfa9d8c719da777b4d64b9d302dca044c3dda561d97d66";
const HASH_2: &str = "df0591375428cd8ce9f4bef309158e21538688d7ea18e6b623a2ef264e1ca7f3";
const SIGNATURE: &str = "7zEKgWwPgzAa9W+LB5PpiGx7VZ9sl70jEoVRwRk/wwV2fhq3a3IskZE9oT4vdKaBRn66jGBqgp+bxMQJvskXAQ==";

const EXPORT: &str = r#"{"type":"header","format":1,"tenant":"nordvik","algorithm":"ed25519","public_key":"6kpsY+KcUgq+9VB7Ey7F+ZVHdq6+vnuSQh7qaRRG0iw=","key_id":"fe812c12f3ab4ce6","exported_at":"2026-11-22T10:00:06Z"}
{"type":"record","seq":1,"tenant":"nordvik","time":"2026-11-22T10:00:00.123Z","actor":"lars.laerer","acting_under":null,"action":"directory.search","resource":"principal:lars.laerer@nordvik.test","decision":"allow","reason":"member of \"staff\"\nat Nordvik skole","client":"192.0.2.7","prev_hash":"0000000000000000000000000000000000000000000000000000000000000000","hash":"0126e8f46be7d1ccddbfa9d8c719da777b4d64b9d302dca044c3dda561d97d66"}
{"type":"record","seq":2,"tenant":"nordvik","time":"2026-11-22T10:00:05Z","actor":"anonymous","acting_under":"grant-42","action":"auth.login","resource":"principal:ærlig@nordvik.test","decision":"deny","reason":null,"client":null,"prev_hash":"0126e8f46be7d1ccddbfa9d8c719da777b4d64b9d302dca044c3dda561d97d66","hash":"df0591375428cd8ce9f4bef309158e21538688d7ea18e6b623a2ef264e1ca7f3"}
{"type":"checkpoint","tenant":"nordvik","seq":2,"hash":"df0591375428cd8ce9f4bef309158e21538688d7ea18e6b623a2ef264e1ca7f3","time":"2026-11-22T10:00:06Z","key_id":"fe812c12f3ab4ce6","signature":"7zEKgWwPgzAa9W+LB5PpiGx7VZ9sl70jEoVRwRk/wwV2fhq3a3IskZE9oT4vdKaBRn66jGBqgp+bxMQJvskXAQ=="}
"#;

fn draft_1() -> Draft {
    Draft {
        tenant: "nordvik".into(),
        time: "2026-11-22T10:00:00.123Z".into(),
        actor: "lars.laerer".into(),
        acting_under: None,
        action: "directory.search".into(),
        resource: "principal:lars.laerer@nordvik.test".into(),
        decision: Outcome::Allow,
        reason: Some("member of \"staff\"\nat Nordvik skole".into()),
        client: Some("192.0.2.7".into()),
    }
}

fn draft_2() -> Draft {
    Draft {
        tenant: "nordvik".into(),
        time: "2026-11-22T10:00:05Z".into(),
        actor: "anonymous".into(),
        acting_under: Some("grant-42".into()),
        action: "auth.login".into(),
        resource: "principal:ærlig@nordvik.test".into(),
        decision: Outcome::Deny,
        reason: None,
        client: None,
    }
}

#[test]
fn genesis_is_64_zeros() {
    assert_eq!(GENESIS_HASH.len(), 64);
    assert!(GENESIS_HASH.bytes().all(|b| b == b'0'));
}

#[test]
fn canonical_encoding_and_hash_are_pinned() {
    let r1 = seal(None, draft_1());
    assert_eq!(
        String::from_utf8(r1.canonical()).unwrap(),
        r#"{"acting_under":null,"action":"directory.search","actor":"lars.laerer","client":"192.0.2.7","decision":"allow","prev_hash":"0000000000000000000000000000000000000000000000000000000000000000","reason":"member of \"staff\"\nat Nordvik skole","resource":"principal:lars.laerer@nordvik.test","seq":1,"tenant":"nordvik","time":"2026-11-22T10:00:00.123Z"}"#
    );
    assert_eq!(r1.hash, HASH_1);
    let r2 = seal(Some((r1.seq, &r1.hash)), draft_2());
    assert_eq!(r2.hash, HASH_2);
}

#[test]
fn key_id_and_checkpoint_signature_are_pinned() {
    let key = AuditKey::from_pkcs8_pem(TEST_KEY_PEM).unwrap();
    assert_eq!(key.public_key_b64(), TEST_PUBLIC_KEY);
    assert_eq!(key.key_id(), TEST_KEY_ID);
    assert_eq!(key.to_pkcs8_pem(), TEST_KEY_PEM);
    let cp = key.checkpoint("nordvik", 2, HASH_2, "2026-11-22T10:00:06Z");
    assert_eq!(cp.signature, SIGNATURE);
    verify_checkpoint(TEST_PUBLIC_KEY, &cp).unwrap();
}

#[test]
fn export_bytes_are_pinned_and_verify() {
    let key = AuditKey::from_pkcs8_pem(TEST_KEY_PEM).unwrap();
    let r1 = seal(None, draft_1());
    let r2 = seal(Some((r1.seq, &r1.hash)), draft_2());
    let cp = key.checkpoint("nordvik", 2, &r2.hash, "2026-11-22T10:00:06Z");
    let mut out = Vec::new();
    for line in [
        key.export_header("nordvik", "2026-11-22T10:00:06Z"),
        ExportLine::Record(r1),
        ExportLine::Record(r2),
        ExportLine::Checkpoint(cp),
    ] {
        write_line(&mut out, &line).unwrap();
    }
    assert_eq!(String::from_utf8(out).unwrap(), EXPORT);

    let report = verify_export(EXPORT.as_bytes(), Some(TEST_PUBLIC_KEY)).unwrap();
    assert_eq!(report.last_seq, 2);
    assert_eq!(report.last_hash, HASH_2);
    assert_eq!(report.key_id, TEST_KEY_ID);
}

#[test]
fn pinned_export_with_one_byte_changed_fails() {
    // "lars.laerer" -> "lars.laerar" in record seq 1 (line 2).
    let tampered = EXPORT.replacen("\"actor\":\"lars.laerer\"", "\"actor\":\"lars.laerar\"", 1);
    assert_ne!(tampered, EXPORT);
    let err = verify_export(tampered.as_bytes(), Some(TEST_PUBLIC_KEY)).unwrap_err();
    assert_eq!(err.to_string(), "line 2: record seq 1 was altered (hash does not match its contents)");
}
