//! The one behaviour suite every [`Store`] backend must pass; each backend's
//! tests call [`run_all`] on a fresh, empty store.

use suveren_audit::{Draft, Outcome, GENESIS_HASH};

use crate::{object, Batch, Op, Store, StoreError};

pub fn draft(tenant: &str, action: &str) -> Draft {
    Draft {
        tenant: tenant.into(),
        time: "2026-11-22T10:00:00Z".into(),
        actor: "tester".into(),
        acting_under: None,
        action: action.into(),
        resource: "thing".into(),
        decision: Outcome::Allow,
        reason: None,
        client: Some("127.0.0.1".into()),
    }
}

pub async fn run_all(s: &dyn Store) {
    documents(s).await;
    atomic_batches(s).await;
    audit_chain(s).await;
}

async fn documents(s: &dyn Store) {
    s.commit(Batch::new().op(Op::insert("thing", "a", "t1", Some("o1"), &"alpha"))).await.unwrap();
    s.commit(Batch::new().op(Op::insert("thing", "b", "t2", Some("o1"), &"beta"))).await.unwrap();
    s.commit(Batch::new().op(Op::insert("thing", "c", "t1", None, &"gamma"))).await.unwrap();
    let a = s.get("thing", "a").await.unwrap().unwrap();
    assert_eq!(a.decode::<String>().unwrap(), "alpha");
    assert_eq!(a.tenant, "t1");
    assert!(s.get("thing", "zz").await.unwrap().is_none());
    assert!(s.get("other", "a").await.unwrap().is_none(), "kinds are separate");
    let t1: Vec<String> = s.list("thing", Some("t1")).await.unwrap().into_iter().map(|o| o.key).collect();
    assert_eq!(t1, ["a", "c"]);
    assert_eq!(s.list("thing", None).await.unwrap().len(), 3);
    assert_eq!(s.list_owned("thing", "o1").await.unwrap().len(), 2);

    let dup = s.commit(Batch::new().op(Op::insert("thing", "a", "t1", None, &"again"))).await;
    assert!(matches!(dup, Err(StoreError::Conflict { .. })));

    s.commit(Batch::new().op(Op::put("thing", "a", "t1", Some("o1"), &"alpha2"))).await.unwrap();
    let cur = s.get("thing", "a").await.unwrap().unwrap();
    let swapped = s
        .commit(
            Batch::new()
                .op(Op::Swap { object: object("thing", "a", "t1", Some("o1"), &"alpha3"), expected: cur.body.clone() }),
        )
        .await;
    assert!(swapped.is_ok());
    let stale = s
        .commit(
            Batch::new().op(Op::Swap { object: object("thing", "a", "t1", Some("o1"), &"alpha4"), expected: cur.body }),
        )
        .await;
    assert!(matches!(stale, Err(StoreError::Stale { .. })));
    assert_eq!(s.get("thing", "a").await.unwrap().unwrap().decode::<String>().unwrap(), "alpha3");

    s.commit(Batch::new().op(Op::DeleteOwned { kind: "thing".into(), owner: "o1".into() })).await.unwrap();
    assert_eq!(s.list("thing", None).await.unwrap().len(), 1);
    s.commit(Batch::new().op(Op::delete("thing", "c"))).await.unwrap();
    assert!(s.list("thing", None).await.unwrap().is_empty());
}

async fn atomic_batches(s: &dyn Store) {
    s.commit(Batch::new().op(Op::insert("atom", "x", "t1", None, &1))).await.unwrap();
    let before = s.audit_head("t1").await.unwrap();
    // The second op conflicts: neither the first op nor the audit record may land.
    let r = s
        .commit(
            Batch::new()
                .op(Op::insert("atom", "y", "t1", None, &2))
                .op(Op::insert("atom", "x", "t1", None, &3))
                .audit(draft("t1", "atom.create")),
        )
        .await;
    assert!(r.is_err());
    assert!(s.get("atom", "y").await.unwrap().is_none(), "half a batch landed");
    assert_eq!(s.audit_head("t1").await.unwrap(), before, "audit record without its action");
}

async fn audit_chain(s: &dyn Store) {
    let recs = s
        .commit(Batch::new().audit(draft("chain", "one")).audit(draft("chain", "two")).audit(draft("other", "x")))
        .await
        .unwrap();
    assert_eq!(recs.len(), 3);
    assert_eq!((recs[0].seq, recs[0].prev_hash.as_str()), (1, GENESIS_HASH));
    assert_eq!(recs[1].seq, 2);
    assert_eq!(recs[1].prev_hash, recs[0].hash);
    assert_eq!(recs[2].seq, 1, "each tenant has its own chain");
    let more = s.commit(Batch::new().audit(draft("chain", "three"))).await.unwrap();
    assert_eq!(more[0].prev_hash, recs[1].hash);
    let all = s.audit_after("chain", 0, 100).await.unwrap();
    assert_eq!(all.iter().map(|r| r.action.as_str()).collect::<Vec<_>>(), ["one", "two", "three"]);
    assert_eq!(s.audit_after("chain", 1, 1).await.unwrap()[0].action, "two");
    assert_eq!(s.audit_head("chain").await.unwrap().unwrap().0, 3);
    assert!(s.audit_tenants().await.unwrap().contains(&"other".to_string()));
    for r in &all {
        assert_eq!(r.hash, r.compute_hash());
    }
    let key = suveren_audit::AuditKey::generate();
    let cp = key.checkpoint("chain", 3, &all[2].hash, "2026-11-22T10:00:00Z");
    s.put_checkpoint(&cp).await.unwrap();
    s.put_checkpoint(&cp).await.unwrap();
    assert_eq!(s.checkpoints("chain").await.unwrap(), vec![cp]);
    s.ping().await.unwrap();
}
