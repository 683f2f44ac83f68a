//! Audit records: what services submit (`Draft`), how it is placed in the chain (`seal`)
//! and the canonical bytes its hash is taken over.

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::canon::Obj;
use crate::GENESIS_HASH;

/// The policy decision being recorded; denials are audited as carefully as grants because
/// probing for access is itself worth seeing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Outcome {
    Allow,
    Deny,
}

impl Outcome {
    /// The spelling used in exports and in the canonical encoding.
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Allow => "allow",
            Outcome::Deny => "deny",
        }
    }
}

/// What a service wants recorded; the chain position is added by [`seal`] so that services
/// never have to (and cannot) choose where in the chain their event lands.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Draft {
    /// Tenant slug, or `"_operator"` for installation-level events.
    pub tenant: String,
    /// RFC 3339 UTC, e.g. `"2026-11-22T10:00:00.123Z"`; passed in because this crate has no clock.
    pub time: String,
    /// Login of the actor, or `"anonymous"` / `"system"`.
    pub actor: String,
    /// Lockbox grant id when acting on someone else's behalf.
    pub acting_under: Option<String>,
    /// E.g. `"directory.search"`, `"auth.login"`.
    pub action: String,
    /// E.g. `"principal:lars.laerer@nordvik.test"`.
    pub resource: String,
    pub decision: Outcome,
    pub reason: Option<String>,
    /// Client IP address.
    pub client: Option<String>,
}

/// One sealed entry of a tenant's chain. All fields are public so that stores can persist
/// and reload them; integrity comes from [`Record::compute_hash`], not from encapsulation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Record {
    /// 1-based and contiguous per tenant, so a missing record shows up as a gap.
    pub seq: u64,
    pub tenant: String,
    pub time: String,
    pub actor: String,
    pub acting_under: Option<String>,
    pub action: String,
    pub resource: String,
    pub decision: Outcome,
    pub reason: Option<String>,
    pub client: Option<String>,
    /// Lowercase hex SHA-256 of the previous record, [`GENESIS_HASH`] for seq 1.
    pub prev_hash: String,
    /// Lowercase hex SHA-256 of [`Record::canonical`].
    pub hash: String,
}

impl Record {
    /// The bytes the hash is taken over; the exact format is specified in the crate docs so
    /// that auditors can recompute it without this code. Every field except `hash` is
    /// covered, including `seq`, `tenant` and `prev_hash`, so that a record cannot be moved
    /// to another position or tenant without its hash changing.
    pub fn canonical(&self) -> Vec<u8> {
        Obj::new(b"")
            .opt("acting_under", self.acting_under.as_deref())
            .str("action", &self.action)
            .str("actor", &self.actor)
            .opt("client", self.client.as_deref())
            .str("decision", self.decision.as_str())
            .str("prev_hash", &self.prev_hash)
            .opt("reason", self.reason.as_deref())
            .str("resource", &self.resource)
            .num("seq", self.seq)
            .str("tenant", &self.tenant)
            .str("time", &self.time)
            .finish()
    }

    /// `hex(sha256(canonical))`, lowercase.
    pub fn compute_hash(&self) -> String {
        hex::encode(Sha256::digest(self.canonical()))
    }

    /// Whether the stored `hash` still describes the record; a cheap local check for stores.
    pub fn hash_is_valid(&self) -> bool {
        self.hash == self.compute_hash()
    }
}

/// Puts a draft at the next chain position. `prev` is `(seq, hash)` of the tenant's last
/// record, `None` for the first. The caller is responsible for serialising calls per tenant
/// (e.g. inside one database transaction): two drafts sealed against the same `prev` fork
/// the chain, and verification will reject the second one.
pub fn seal(prev: Option<(u64, &str)>, draft: Draft) -> Record {
    let (seq, prev_hash) = match prev {
        Some((seq, hash)) => (seq + 1, hash.to_owned()),
        None => (1, GENESIS_HASH.to_owned()),
    };
    let Draft { tenant, time, actor, acting_under, action, resource, decision, reason, client } = draft;
    let mut record = Record {
        seq,
        tenant,
        time,
        actor,
        acting_under,
        action,
        resource,
        decision,
        reason,
        client,
        prev_hash,
        hash: String::new(),
    };
    record.hash = record.compute_hash();
    record
}

#[cfg(test)]
mod tests {
    use super::*;

    fn draft() -> Draft {
        Draft {
            tenant: "nordvik".into(),
            time: "2026-11-22T10:00:00.123Z".into(),
            actor: "lars.laerer".into(),
            acting_under: None,
            action: "directory.search".into(),
            resource: "principal:lars.laerer@nordvik.test".into(),
            decision: Outcome::Allow,
            reason: Some("member of \"staff\"".into()),
            client: Some("192.0.2.7".into()),
        }
    }

    #[test]
    fn seal_links_records() {
        let a = seal(None, draft());
        assert_eq!((a.seq, a.prev_hash.as_str()), (1, GENESIS_HASH));
        let b = seal(Some((a.seq, &a.hash)), draft());
        assert_eq!(b.seq, 2);
        assert_eq!(b.prev_hash, a.hash);
        assert_ne!(a.hash, b.hash, "same draft at another position must hash differently");
        assert!(a.hash_is_valid() && b.hash_is_valid());
    }

    #[test]
    fn canonical_is_sorted_compact_json_of_everything_but_hash() {
        let r = seal(None, draft());
        let mut expected = serde_json::to_value(&r).unwrap();
        expected.as_object_mut().unwrap().remove("hash");
        // serde_json's Map is a BTreeMap here, so this is the sorted, compact form.
        assert_eq!(String::from_utf8(r.canonical()).unwrap(), serde_json::to_string(&expected).unwrap());
    }

    #[test]
    fn every_field_is_covered() {
        let base = seal(None, draft());
        let mutations: Vec<fn(&mut Record)> = vec![
            |r| r.seq += 1,
            |r| r.tenant.push('x'),
            |r| r.time.push('x'),
            |r| r.actor.push('x'),
            |r| r.acting_under = Some(String::new()),
            |r| r.action.push('x'),
            |r| r.resource.push('x'),
            |r| r.decision = Outcome::Deny,
            |r| r.reason = None,
            |r| r.client = Some("192.0.2.8".into()),
            |r| r.prev_hash = "1".repeat(64),
        ];
        for (i, m) in mutations.iter().enumerate() {
            let mut r = base.clone();
            m(&mut r);
            assert_ne!(r.compute_hash(), base.hash, "mutation {i} not covered");
        }
    }

    #[test]
    fn none_and_empty_string_differ() {
        let mut a = seal(None, draft());
        a.reason = None;
        let mut b = a.clone();
        b.reason = Some(String::new());
        assert_ne!(a.compute_hash(), b.compute_hash());
    }
}
