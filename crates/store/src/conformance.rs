//! The one behaviour suite every [`Store`] backend must pass; each backend's
//! tests call [`run_all`] on a fresh, empty store, and
//! [`concurrent_writes`] on one store or on several stores sharing one
//! database (nodes).
//!
//! It is written against the traits only, so the backends cannot drift
//! apart: what one does differently (a precondition checked in another
//! order, a listing in another collation) fails here.

use std::sync::Arc;

use suveren_audit::{Draft, Outcome, GENESIS_HASH};

use crate::drive::{
    DriveConflict, DriveRow, Expect, LockRow, Node, PutFile, ShareRow, TenantQuota, Transfer, VersionPolicy,
};
use crate::retention::{hold_fingerprint, Removal, HOLD_KIND};
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
    leases(s).await;
    drives(s).await;
    files(s).await;
    moves_and_copies(s).await;
    trash(s).await;
    locks(s).await;
    shares(s).await;
    retention(s).await;
    purge_tenant(s).await;
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

// ---------------------------------------------------------------- leases

async fn leases(s: &dyn Store) {
    assert!(s.lease("job", "a", 100, 10).await.unwrap(), "a free lease is taken");
    assert!(!s.lease("job", "b", 105, 10).await.unwrap(), "a live lease is another's");
    assert!(s.lease("job", "a", 105, 10).await.unwrap(), "the holder renews (until 115)");
    assert!(!s.lease("job", "b", 114, 10).await.unwrap(), "the renewal counts");
    assert!(s.lease("job", "b", 115, 10).await.unwrap(), "an expired lease is free (until 125)");
    assert!(!s.lease("job", "a", 120, 10).await.unwrap());
    let held = s.leases().await.unwrap();
    assert_eq!(
        held,
        vec![crate::Lease { name: "job".into(), holder: "b".into(), until: 125 }],
        "who holds what, until when"
    );
    s.release("job", "a").await.unwrap();
    assert!(!s.lease("job", "a", 120, 10).await.unwrap(), "only the holder releases");
    s.release("job", "b").await.unwrap();
    assert!(s.lease("job", "a", 120, 10).await.unwrap(), "a released lease is free");
    assert!(s.lease("other-job", "b", 120, 10).await.unwrap(), "leases are per name");
}

// ---------------------------------------------------------------- drives

type Res<T> = crate::Result<crate::drive::Outcome<T>>;

/// The value of a write that must succeed.
fn done<T>(r: Res<T>) -> T {
    match r.expect("store error") {
        Ok((v, _)) => v,
        Err(c) => panic!("refused: {c}"),
    }
}

/// The reason of a write that must be refused.
fn refused<T: std::fmt::Debug>(r: Res<T>) -> DriveConflict {
    r.expect("store error").expect_err("should have been refused")
}

fn drive_row(id: &str, tenant: &str, slug: &str) -> DriveRow {
    DriveRow {
        id: id.into(),
        tenant: tenant.into(),
        slug: slug.into(),
        body: format!("{{\"slug\":\"{slug}\"}}"),
        used: 0,
    }
}

const KEEP: VersionPolicy = VersionPolicy { max_count: 10, max_age_ms: i64::MAX / 4 };

fn put(tenant: &str, drive: &str, path: &str, blob: &str, size: u64, now: i64) -> PutFile {
    PutFile {
        drive: drive.into(),
        tenant: tenant.into(),
        path: path.into(),
        blob: blob.into(),
        size,
        mime: Some("text/plain".into()),
        etag: format!("e-{blob}"),
        now,
        modified: now,
        author: "tester".into(),
        level: 0,
        expect: Expect::default(),
        quota: None,
        tenant_quota: None,
        versions: KEEP,
    }
}

fn transfer(tenant: &str, from_drive: &str, from: &str, to_drive: &str, to: &str, now: i64) -> Transfer {
    Transfer {
        tenant: tenant.into(),
        from_drive: from_drive.into(),
        from: from.into(),
        to_drive: to_drive.into(),
        to: to.into(),
        overwrite: false,
        set_level: None,
        now,
        by: "tester".into(),
        trash_id: format!("tr-{now}"),
        quota: None,
        tenant_quota: None,
    }
}

async fn new_drive(s: &dyn Store, id: &str, tenant: &str) {
    done(s.create_drive(&drive_row(id, tenant, id), 0, 1, vec![]).await);
}

async fn mkdir(s: &dyn Store, tenant: &str, drive: &str, path: &str, now: i64) -> Node {
    done(s.mkdir(tenant, drive, path, 0, now, "tester", &format!("d{now}"), vec![]).await)
}

async fn file(s: &dyn Store, tenant: &str, drive: &str, path: &str, blob: &str, size: u64, now: i64) -> Node {
    done(s.put_file(&put(tenant, drive, path, blob, size, now), vec![]).await).node
}

async fn used(s: &dyn Store, drive: &str) -> u64 {
    s.drive(drive).await.unwrap().expect("drive exists").used
}

/// A drive's `used` is every byte its rows name (files live or trashed,
/// versions), and a tenant's the sum over its drives.
async fn check_usage(s: &dyn Store, tenant: &str) {
    let mut total = 0;
    for d in s.drives().await.unwrap().into_iter().filter(|d| d.tenant == tenant) {
        let nodes: u64 = s.drive_nodes(&d.id).await.unwrap().iter().map(|(n, _)| n.size).sum();
        let versions: u64 = s.drive_versions(&d.id).await.unwrap().iter().map(|v| v.size).sum();
        assert_eq!(d.used, nodes + versions, "bytes of drive {}", d.id);
        total += d.used;
    }
    assert_eq!(s.tenant_used(tenant).await.unwrap(), total, "bytes of tenant {tenant}");
}

fn paths(nodes: &[Node]) -> Vec<&str> {
    nodes.iter().map(|n| n.path.as_str()).collect()
}

async fn drives(s: &dyn Store) {
    let (_, recs) = s
        .create_drive(&drive_row("d-one", "dt", "one"), 1, 1000, vec![draft("dt", "drive.create")])
        .await
        .unwrap()
        .unwrap();
    assert_eq!(recs.len(), 1, "the record comes with the change");
    let head = s.audit_head("dt").await.unwrap();
    let taken_id = s.create_drive(&drive_row("d-one", "dt", "other"), 1, 1001, vec![draft("dt", "drive.create")]).await;
    assert_eq!(refused(taken_id), DriveConflict::Exists("other".into()));
    let taken_slug = s.create_drive(&drive_row("d-two", "dt", "one"), 1, 1001, vec![draft("dt", "drive.create")]).await;
    assert_eq!(refused(taken_slug), DriveConflict::Exists("one".into()));
    assert_eq!(s.audit_head("dt").await.unwrap(), head, "a refused write leaves no record");
    done(s.create_drive(&drive_row("d-three", "du", "one"), 0, 1002, vec![]).await);
    done(s.create_drive(&drive_row("d-two", "dt", "b-two"), 0, 1003, vec![]).await);
    let all: Vec<(String, String)> = s
        .drives()
        .await
        .unwrap()
        .into_iter()
        .filter(|d| d.tenant == "dt" || d.tenant == "du")
        .map(|d| (d.tenant, d.slug))
        .collect();
    let want = [("dt", "b-two"), ("dt", "one"), ("du", "one")].map(|(t, s)| (t.to_string(), s.to_string()));
    assert_eq!(all, want, "by tenant, then slug");

    let mut d = s.drive("d-two").await.unwrap().unwrap();
    assert_eq!((d.used, d.body.as_str()), (0, "{\"slug\":\"b-two\"}"));
    d.slug = "one".into();
    assert_eq!(
        refused(s.update_drive(&d, vec![draft("dt", "drive.update")]).await),
        DriveConflict::Exists("one".into())
    );
    assert_eq!(s.audit_head("dt").await.unwrap(), head);
    d.slug = "two".into();
    d.body = "{\"renamed\":true}".into();
    done(s.update_drive(&d, vec![draft("dt", "drive.update")]).await);
    let d = s.drive("d-two").await.unwrap().unwrap();
    assert_eq!((d.slug.as_str(), d.body.as_str()), ("two", "{\"renamed\":true}"));
    assert_eq!(
        refused(s.update_drive(&drive_row("d-ghost", "dt", "ghost"), vec![]).await),
        DriveConflict::Missing("d-ghost".into())
    );
    assert!(s.drive("d-ghost").await.unwrap().is_none());

    let (root, kids) = s.listing("d-one", "/").await.unwrap().unwrap();
    assert!(root.dir && root.path == "/" && root.level == 1 && kids.is_empty(), "{root:?}");
    assert_eq!(s.node("d-one", "/").await.unwrap(), Some(root.clone()));
    assert_eq!(s.node_by_id(root.id).await.unwrap(), Some(root));
}

async fn files(s: &dyn Store) {
    let t = "ft";
    new_drive(s, "f1", t).await;
    new_drive(s, "f2", t).await;
    let a = done(s.mkdir(t, "f1", "/a", 2, 2001, "tester", "ea", vec![]).await);
    assert_eq!((a.level, a.name.as_str(), a.dir), (2, "a", true));
    let ab = done(s.mkdir(t, "f1", "/a/b", 0, 2002, "tester", "eb", vec![]).await);
    assert_eq!(ab.level, 2, "never below its folder");
    assert_eq!(s.node("f1", "/a/b").await.unwrap(), Some(ab));
    assert_eq!(
        refused(s.mkdir(t, "f1", "/a", 0, 2003, "tester", "e", vec![]).await),
        DriveConflict::Exists("/a".into())
    );
    assert_eq!(
        refused(s.mkdir(t, "f1", "/x/y", 0, 2003, "tester", "e", vec![]).await),
        DriveConflict::NoParent("/x".into())
    );

    let head = s.audit_head(t).await.unwrap();
    let (out, recs) =
        s.put_file(&put(t, "f1", "/a/f.txt", "b1", 10, 2004), vec![draft(t, "content.write")]).await.unwrap().unwrap();
    assert_eq!(recs.len(), 1);
    assert!(out.created);
    assert_eq!((out.node.level, out.node.size, out.node.blob.as_deref()), (2, 10, Some("b1")));
    assert_eq!(s.node("f1", "/a/f.txt").await.unwrap(), Some(out.node.clone()));
    let f = out.node;
    let under_file = s.mkdir(t, "f1", "/a/f.txt/g", 0, 2005, "tester", "e", vec![]).await;
    assert_eq!(refused(under_file), DriveConflict::ParentNotFolder("/a/f.txt".into()));
    let under_file = s.put_file(&put(t, "f1", "/a/f.txt/g", "x", 1, 2005), vec![draft(t, "x")]).await;
    assert_eq!(refused(under_file), DriveConflict::ParentNotFolder("/a/f.txt".into()));
    let no_parent = s.put_file(&put(t, "f1", "/nope/x", "x", 1, 2005), vec![draft(t, "x")]).await;
    assert_eq!(refused(no_parent), DriveConflict::NoParent("/nope".into()));
    let onto_folder = s.put_file(&put(t, "f1", "/a", "x", 1, 2005), vec![draft(t, "x")]).await;
    assert_eq!(refused(onto_folder), DriveConflict::IsFolder("/a".into()));

    // Preconditions (If-None-Match: *, If-Match: *, If-Match: etag).
    let mut p = put(t, "f1", "/a/f.txt", "b2", 20, 2006);
    p.expect = Expect { absent: true, ..Default::default() };
    assert_eq!(refused(s.put_file(&p, vec![draft(t, "x")]).await), DriveConflict::Precondition("/a/f.txt".into()));
    p.expect = Expect { etag: Some("e-other".into()), ..Default::default() };
    assert_eq!(refused(s.put_file(&p, vec![draft(t, "x")]).await), DriveConflict::Precondition("/a/f.txt".into()));
    let mut q = put(t, "f1", "/a/new", "n", 1, 2006);
    q.expect = Expect { present: true, ..Default::default() };
    assert_eq!(refused(s.put_file(&q, vec![draft(t, "x")]).await), DriveConflict::Precondition("/a/new".into()));
    q.expect = Expect { etag: Some("e-n".into()), ..Default::default() };
    assert_eq!(refused(s.put_file(&q, vec![draft(t, "x")]).await), DriveConflict::Precondition("/a/new".into()));
    assert_eq!(
        s.audit_head(t).await.unwrap().unwrap().0,
        head.map(|h| h.0).unwrap_or(0) + 1,
        "refusals left no record"
    );
    p.expect = Expect { etag: Some("e-b1".into()), ..Default::default() };
    let out = done(s.put_file(&p, vec![]).await);
    assert!(!out.created);
    assert_eq!((out.node.id, out.node.size, out.node.etag.as_str(), out.node.created), (f.id, 20, "e-b2", 2004));
    let vs = s.versions(f.id).await.unwrap();
    assert_eq!(vs.len(), 1);
    assert_eq!((vs[0].blob.as_str(), vs[0].size, vs[0].etag.as_str(), vs[0].replaced), ("b1", 10, "e-b1", 2006));
    assert_eq!(used(s, "f1").await, 30, "the current content and its earlier version");
    check_usage(s, t).await;

    // Listing: one folder's children by name in byte order, never deeper.
    mkdir(s, t, "f1", "/l", 2010).await;
    let names = ["B", "a", "a b", "a-b", "a.txt", "a0", "ä", "Ä", "z", "_x"];
    for (i, n) in names.iter().enumerate() {
        if i % 2 == 0 {
            file(s, t, "f1", &format!("/l/{n}"), &format!("l{i}"), 1, 2011 + i as i64).await;
        } else {
            mkdir(s, t, "f1", &format!("/l/{n}"), 2011 + i as i64).await;
        }
    }
    file(s, t, "f1", "/l/a/inner.txt", "li", 1, 2030).await;
    mkdir(s, t, "f1", "/l/a/z", 2031).await;
    file(s, t, "f1", "/l/a/z/deep", "ld", 1, 2032).await;
    let (me, kids) = s.listing("f1", "/l").await.unwrap().unwrap();
    assert_eq!(me.path, "/l");
    let mut want: Vec<&str> = names.to_vec();
    want.sort();
    assert_eq!(kids.iter().map(|n| n.name.as_str()).collect::<Vec<_>>(), want, "children by name, bytewise");
    assert!(kids.iter().all(|k| k.path == format!("/l/{}", k.name)));
    let (me, kids) = s.listing("f1", "/a/f.txt").await.unwrap().unwrap();
    assert!(!me.dir && kids.is_empty());
    assert!(s.listing("f1", "/missing").await.unwrap().is_none());
    assert!(s.listing("f2", "/l").await.unwrap().is_none(), "drives are separate");
    // A subtree is the folder and what lies below it, not its siblings
    // that share its name as a prefix ("a b", "a-b", "a.txt", "a0").
    let sub = s.subtree("f1", "/l/a").await.unwrap();
    assert_eq!(paths(&sub), ["/l/a", "/l/a/inner.txt", "/l/a/z", "/l/a/z/deep"]);
    let whole = s.subtree("f1", "/").await.unwrap();
    let mut sorted = paths(&whole);
    sorted.sort();
    assert_eq!(paths(&whole), sorted, "ordered by path, bytewise");
    assert_eq!(whole.len(), 4 + 1 + names.len() + 3);
    let mut scanned: Vec<String> = s
        .scan("f1", "/l/a")
        .await
        .unwrap()
        .into_iter()
        .map(|(n, live)| {
            assert!(live);
            n.path
        })
        .collect();
    scanned.sort();
    assert_eq!(scanned, ["/l/a", "/l/a/inner.txt", "/l/a/z", "/l/a/z/deep"]);
    let ids: Vec<i64> = sub.iter().map(|n| n.id).collect();
    let mut by_ids = s.nodes_by_ids(&ids).await.unwrap();
    by_ids.sort_by(|a, b| a.path.cmp(&b.path));
    assert_eq!(by_ids, sub);
    assert!(s.nodes_by_ids(&[]).await.unwrap().is_empty());

    // Earlier contents kept by the level's policy.
    let policy = |max_count, max_age_ms| VersionPolicy { max_count, max_age_ms };
    let mut v = put(t, "f1", "/v", "v1", 5, 2100);
    v.versions = policy(2, i64::MAX / 4);
    let vid = done(s.put_file(&v, vec![]).await).node.id;
    for (i, b) in ["v2", "v3", "v4"].iter().enumerate() {
        v.blob = b.to_string();
        v.now = 2101 + i as i64;
        done(s.put_file(&v, vec![]).await);
    }
    let blobs = |vs: Vec<crate::drive::Version>| vs.into_iter().map(|v| v.blob).collect::<Vec<_>>();
    assert_eq!(blobs(s.versions(vid).await.unwrap()), ["v2", "v3"], "at most two, oldest dropped");
    let pending = s.blob_gc_pending(10_000).await.unwrap();
    assert!(pending.contains(&"v1".to_string()), "a dropped version's blob goes to the sweeper");
    let due = |before| async move { s.blob_gc_due(before, 10_000).await.unwrap() };
    assert!(!due(2102).await.contains(&"v1".to_string()), "not due before it was queued");
    assert!(due(2103).await.contains(&"v1".to_string()), "due from the time it was queued");
    v.versions = policy(2, 0);
    v.blob = "v5".into();
    v.now = 2200;
    done(s.put_file(&v, vec![]).await);
    assert_eq!(blobs(s.versions(vid).await.unwrap()), ["v4"], "versions past their age dropped");
    v.versions = policy(0, i64::MAX / 4);
    v.blob = "v6".into();
    v.now = 2201;
    done(s.put_file(&v, vec![]).await);
    assert!(s.versions(vid).await.unwrap().is_empty(), "no versions kept: none left, the replaced content neither");
    let pending = s.blob_gc_pending(10_000).await.unwrap();
    assert!(["v2", "v3", "v4", "v5"].iter().all(|b| pending.contains(&b.to_string())));
    check_usage(s, t).await;

    // The drive's quota, and the tenant's over all its drives.
    let head = s.audit_head(t).await.unwrap();
    let u = used(s, "f1").await;
    let mut pq = put(t, "f1", "/q", "q1", 10, 2300);
    pq.quota = Some(u + 5);
    assert_eq!(refused(s.put_file(&pq, vec![draft(t, "x")]).await), DriveConflict::Quota { needed: 10, available: 5 });
    assert_eq!(s.audit_head(t).await.unwrap(), head);
    pq.quota = Some(u + 10);
    done(s.put_file(&pq, vec![]).await);
    assert_eq!(used(s, "f1").await, u + 10);
    // Full now, but a rewrite that keeps no version frees what it replaces.
    pq.blob = "q2".into();
    pq.versions = policy(0, 0);
    done(s.put_file(&pq, vec![]).await);
    pq.blob = "q3".into();
    pq.size = 11;
    assert_eq!(refused(s.put_file(&pq, vec![]).await), DriveConflict::Quota { needed: 11, available: 10 });
    file(s, t, "f2", "/t", "t1", 7, 2301).await;
    let tu = s.tenant_used(t).await.unwrap();
    assert_eq!(tu, used(s, "f1").await + used(s, "f2").await);
    let mut pt = put(t, "f2", "/t2", "t2", 10, 2302);
    pt.tenant_quota = Some(TenantQuota { bytes: tu + 3, name: "Fjord kommune".into() });
    let tq = refused(s.put_file(&pt, vec![draft(t, "x")]).await);
    assert_eq!(
        tq,
        DriveConflict::TenantQuota { tenant: "Fjord kommune".into(), quota: tu + 3, needed: 10, available: 3 }
    );
    pt.tenant_quota = Some(TenantQuota { bytes: tu + 10, name: "Fjord kommune".into() });
    done(s.put_file(&pt, vec![]).await);
    assert_eq!(s.tenant_used(t).await.unwrap(), tu + 10);
    assert_eq!(s.tenant_used("nobody").await.unwrap(), 0);
    check_usage(s, t).await;

    // Properties and levels.
    done(s.set_props(t, "f1", "/a/f.txt", "{\"p\":1}", vec![]).await);
    assert_eq!(s.node("f1", "/a/f.txt").await.unwrap().unwrap().props.as_deref(), Some("{\"p\":1}"));
    assert_eq!(refused(s.set_props(t, "f1", "/zz", "{}", vec![]).await), DriveConflict::Missing("/zz".into()));
    done(s.set_level(t, "f1", "/l", 3, 2400, vec![]).await);
    assert!(s.subtree("f1", "/l").await.unwrap().iter().all(|n| n.level == 3), "raised with its folder");
    done(s.set_level(t, "f1", "/l", 1, 2401, vec![]).await);
    assert_eq!(s.node("f1", "/l").await.unwrap().unwrap().level, 1);
    assert_eq!(s.node("f1", "/l/a").await.unwrap().unwrap().level, 3, "lowering a folder leaves its content");
    assert_eq!(refused(s.set_level(t, "f1", "/zz", 1, 2402, vec![]).await), DriveConflict::Missing("/zz".into()));
    assert_eq!(s.node("f1", "/l").await.unwrap().unwrap().level, 1);
    assert_eq!(s.node("f1", "/l/B").await.unwrap().unwrap().level, 3);
}

async fn moves_and_copies(s: &dyn Store) {
    let t = "mt";
    new_drive(s, "m1", t).await;
    new_drive(s, "m2", t).await;
    mkdir(s, t, "m1", "/src", 3000).await;
    mkdir(s, t, "m1", "/src/sub", 3001).await;
    file(s, t, "m1", "/src/sub/x", "mx", 3, 3002).await;
    file(s, t, "m1", "/src/y", "my1", 4, 3003).await;
    file(s, t, "m1", "/src/y", "my2", 5, 3004).await;
    done(s.mkdir(t, "m1", "/dst", 3, 3005, "tester", "e", vec![]).await);

    let into = transfer(t, "m1", "/src", "m1", "/src/sub/in", 3010);
    assert_eq!(refused(s.move_node(&into, vec![]).await), DriveConflict::IntoItself);
    assert_eq!(refused(s.copy_node(&into, vec![]).await), DriveConflict::IntoItself);
    let missing = transfer(t, "m1", "/nope", "m1", "/dst/nope", 3010);
    assert_eq!(refused(s.move_node(&missing, vec![]).await), DriveConflict::Missing("/nope".into()));
    let orphan = transfer(t, "m1", "/src", "m1", "/zz/src", 3010);
    assert_eq!(refused(s.move_node(&orphan, vec![]).await), DriveConflict::NoParent("/zz".into()));

    let head = s.audit_head(t).await.unwrap();
    let (out, recs) = s
        .move_node(&transfer(t, "m1", "/src", "m1", "/dst/src", 3011), vec![draft(t, "content.move")])
        .await
        .unwrap()
        .unwrap();
    assert_eq!(recs.len(), 1);
    assert_eq!(s.audit_head(t).await.unwrap().unwrap().0, head.map(|h| h.0).unwrap_or(0) + 1);
    assert!(!out.replaced);
    assert_eq!((out.node.path.as_str(), out.node.name.as_str()), ("/dst/src", "src"));
    let moved = s.subtree("m1", "/dst/src").await.unwrap();
    assert_eq!(paths(&moved), ["/dst/src", "/dst/src/sub", "/dst/src/sub/x", "/dst/src/y"]);
    assert!(moved.iter().all(|n| n.level == 3), "raised to the destination's level");
    let x = moved.iter().find(|n| n.path == "/dst/src/sub/x").unwrap();
    assert_eq!(s.listing("m1", "/dst/src/sub").await.unwrap().unwrap().1, vec![x.clone()], "parents follow");
    assert!(s.node("m1", "/src").await.unwrap().is_none());
    let last = s.changes("m1", 0, 1000).await.unwrap().pop().unwrap();
    assert_eq!((last.kind.as_str(), last.path.as_str(), last.from_path.as_deref()), ("move", "/dst/src", Some("/src")));

    let out = done(s.move_node(&transfer(t, "m1", "/dst/src/y", "m1", "/dst/src/y2", 3012), vec![]).await);
    assert_eq!((out.node.name.as_str(), s.versions(out.node.id).await.unwrap().len()), ("y2", 1));
    mkdir(s, t, "m1", "/dst/other", 3013).await;
    let clash = transfer(t, "m1", "/dst/other", "m1", "/dst/src", 3014);
    assert_eq!(refused(s.move_node(&clash, vec![]).await), DriveConflict::Exists("/dst/src".into()));
    assert_eq!(refused(s.copy_node(&clash, vec![]).await), DriveConflict::Exists("/dst/src".into()));

    // Overwrite: the destination goes to the trash, restorable.
    file(s, t, "m1", "/o1", "o1", 2, 3020).await;
    file(s, t, "m1", "/o2", "o2", 2, 3021).await;
    let mut ow = transfer(t, "m1", "/o1", "m1", "/o2", 3022);
    ow.overwrite = true;
    ow.trash_id = "tr-ow".into();
    assert!(done(s.move_node(&ow, vec![]).await).replaced);
    assert_eq!(s.node("m1", "/o2").await.unwrap().unwrap().blob.as_deref(), Some("o1"));
    let trashed = s.trash_list("m1").await.unwrap();
    assert_eq!(trashed.iter().map(|e| (e.id.as_str(), e.path.as_str())).collect::<Vec<_>>(), [("tr-ow", "/o2")]);

    // An explicit declassification sets the whole subtree.
    let mut low = transfer(t, "m1", "/dst/src", "m1", "/low", 3030);
    low.set_level = Some(0);
    done(s.move_node(&low, vec![]).await);
    assert!(s.subtree("m1", "/low").await.unwrap().iter().all(|n| n.level == 0));

    // Across drives: the bytes (with versions) and the shares follow.
    let x = s.node("m1", "/low/sub/x").await.unwrap().unwrap();
    let share = ShareRow {
        id: "msh".into(),
        tenant: t.into(),
        drive: "m1".into(),
        node: x.id,
        path: String::new(),
        target_kind: "principal".into(),
        target: "p-m".into(),
        role: "viewer".into(),
        created_by: "tester".into(),
        created: 1,
        expires: None,
        password: None,
        token: None,
    };
    done(s.put_share(&share, vec![]).await);
    let (u1, u2) = (used(s, "m1").await, used(s, "m2").await);
    let bytes = 3 + 5 + 4;
    let mut big = transfer(t, "m1", "/low", "m2", "/low", 3040);
    big.quota = Some(u2 + bytes - 1);
    assert_eq!(refused(s.move_node(&big, vec![]).await), DriveConflict::Quota { needed: bytes, available: bytes - 1 });
    big.quota = Some(u2 + bytes);
    done(s.move_node(&big, vec![]).await);
    assert_eq!((used(s, "m1").await, used(s, "m2").await), (u1 - bytes, u2 + bytes));
    assert!(s.node("m1", "/low").await.unwrap().is_none());
    assert_eq!(paths(&s.subtree("m2", "/low").await.unwrap()), ["/low", "/low/sub", "/low/sub/x", "/low/y2"]);
    let moved_share = s.share("msh").await.unwrap().unwrap();
    assert_eq!((moved_share.drive.as_str(), moved_share.path.as_str()), ("m2", "/low/sub/x"));
    let c1 = s.changes("m1", 0, 1000).await.unwrap().pop().unwrap();
    let c2 = s.changes("m2", 0, 1000).await.unwrap().pop().unwrap();
    assert_eq!((c1.kind.as_str(), c1.path.as_str()), ("delete", "/low"));
    assert_eq!((c2.kind.as_str(), c2.path.as_str()), ("create", "/low"));
    assert!(c1.seq < c2.seq);
    check_usage(s, t).await;

    // Copies share content and cost only the live bytes.
    let u2 = used(s, "m2").await;
    let live = 3 + 5;
    let mut cp = transfer(t, "m2", "/low", "m2", "/low-copy", 3050);
    cp.quota = Some(u2 + live - 1);
    assert_eq!(refused(s.copy_node(&cp, vec![]).await), DriveConflict::Quota { needed: live, available: live - 1 });
    cp.quota = None;
    let tu = s.tenant_used(t).await.unwrap();
    cp.tenant_quota = Some(TenantQuota { bytes: tu + 1, name: "M".into() });
    let tq = refused(s.copy_node(&cp, vec![]).await);
    assert_eq!(tq, DriveConflict::TenantQuota { tenant: "M".into(), quota: tu + 1, needed: live, available: 1 });
    cp.tenant_quota = Some(TenantQuota { bytes: tu + live, name: "M".into() });
    let out = done(s.copy_node(&cp, vec![]).await);
    assert!(!out.replaced);
    assert_eq!(
        (out.node.path.as_str(), out.node.name.as_str(), out.node.etag.as_str()),
        ("/low-copy", "low-copy", "tr-3050-0")
    );
    let copy = s.subtree("m2", "/low-copy").await.unwrap();
    assert_eq!(paths(&copy), ["/low-copy", "/low-copy/sub", "/low-copy/sub/x", "/low-copy/y2"]);
    let orig = s.subtree("m2", "/low").await.unwrap();
    assert!(copy.iter().zip(&orig).all(|(c, o)| c.blob == o.blob && c.id != o.id && c.size == o.size));
    assert_eq!(s.listing("m2", "/low-copy/sub").await.unwrap().unwrap().1.len(), 1);
    assert!(s.versions(copy[3].id).await.unwrap().is_empty(), "versions are not copied");
    assert_eq!(used(s, "m2").await, u2 + live);
    // Into a higher folder: raised; across drives.
    done(s.mkdir(t, "m1", "/high", 4, 3051, "tester", "e", vec![]).await);
    done(s.copy_node(&transfer(t, "m2", "/low-copy", "m1", "/high/c", 3052), vec![]).await);
    assert!(s.subtree("m1", "/high/c").await.unwrap().iter().all(|n| n.level == 4));
    let c = s.changes("m1", 0, 1000).await.unwrap().pop().unwrap();
    assert_eq!((c.kind.as_str(), c.path.as_str(), c.dir), ("create", "/high/c", true));
    check_usage(s, t).await;
}

async fn trash(s: &dyn Store) {
    let t = "tt";
    new_drive(s, "t1", t).await;
    let mark = s.changes_all(0, 100_000).await.unwrap().last().map(|c| c.1.seq).unwrap_or(0);
    mkdir(s, t, "t1", "/k", 4000).await;
    file(s, t, "t1", "/k/a", "ta", 5, 4001).await;
    file(s, t, "t1", "/k/a", "ta2", 6, 4002).await;
    mkdir(s, t, "t1", "/k/s", 4003).await;
    file(s, t, "t1", "/k/s/b", "tb", 7, 4004).await;
    let lock = LockRow {
        token: "t-lock".into(),
        drive: "t1".into(),
        path: "/k/s/b".into(),
        principal: None,
        owner: None,
        timeout_at: None,
        timeout_s: None,
        shared: false,
        deep: false,
    };
    s.put_lock(&lock).await.unwrap();
    let u = used(s, "t1").await;
    let (e, recs) =
        s.trash(t, "t1", "/k", "tr1", 4010, "alice", vec![draft(t, "content.delete")]).await.unwrap().unwrap();
    assert_eq!(recs.len(), 1);
    assert_eq!(
        (e.id.as_str(), e.path.as_str(), e.dir, e.size, e.deleted, e.by.as_str()),
        ("tr1", "/k", true, 13, 4010, "alice")
    );
    assert!(s.node("t1", "/k").await.unwrap().is_none());
    assert!(s.node("t1", "/k/s/b").await.unwrap().is_none());
    assert!(s.listing("t1", "/").await.unwrap().unwrap().1.is_empty());
    assert!(s.locks("t1").await.unwrap().is_empty(), "locks go with the items");
    assert_eq!(used(s, "t1").await, u, "the trash still counts");
    assert!(s.scan("t1", "/k").await.unwrap().iter().all(|(_, live)| !live));
    assert_eq!(
        refused(s.trash(t, "t1", "/k", "trx", 4011, "alice", vec![]).await),
        DriveConflict::Missing("/k".into())
    );
    assert_eq!(s.trash_list("t1").await.unwrap(), vec![e.clone()]);

    mkdir(s, t, "t1", "/k", 4012).await;
    assert_eq!(refused(s.restore(t, "t1", "tr1", 4013, vec![]).await), DriveConflict::Exists("/k".into()));
    done(s.trash(t, "t1", "/k", "tr2", 4014, "bob", vec![]).await);
    let listed: Vec<String> = s.trash_list("t1").await.unwrap().into_iter().map(|e| e.id).collect();
    assert_eq!(listed, ["tr2", "tr1"], "newest first");
    let (back, recs) = s.restore(t, "t1", "tr1", 4015, vec![draft(t, "content.restore")]).await.unwrap().unwrap();
    assert_eq!(recs.len(), 1);
    assert_eq!((back.path.as_str(), back.id), ("/k", e.node));
    assert_eq!(paths(&s.subtree("t1", "/k").await.unwrap()), ["/k", "/k/a", "/k/s", "/k/s/b"]);
    assert_eq!(s.versions(s.node("t1", "/k/a").await.unwrap().unwrap().id).await.unwrap().len(), 1);
    assert_eq!(refused(s.restore(t, "t1", "tr1", 4016, vec![]).await), DriveConflict::Missing("tr1".into()));
    assert_eq!(refused(s.restore(t, "t1", "tr2", 4016, vec![]).await), DriveConflict::Exists("/k".into()));

    mkdir(s, t, "t1", "/p", 4020).await;
    file(s, t, "t1", "/p/c", "tc", 1, 4021).await;
    done(s.trash(t, "t1", "/p/c", "tr3", 4022, "alice", vec![]).await);
    done(s.trash(t, "t1", "/p", "tr4", 4023, "alice", vec![]).await);
    assert_eq!(refused(s.restore(t, "t1", "tr3", 4024, vec![]).await), DriveConflict::RestoreParent("/p/c".into()));

    let u = used(s, "t1").await;
    let head = s.audit_head(t).await.unwrap();
    let (_, recs) = s.purge("t1", "tr3", 4030, vec![draft(t, "content.purge")]).await.unwrap().unwrap();
    assert_eq!(recs.len(), 1);
    assert_eq!(used(s, "t1").await, u - 1);
    assert!(s.blob_gc_pending(100_000).await.unwrap().contains(&"tc".to_string()));
    assert_eq!(refused(s.purge("t1", "tr3", 4031, vec![draft(t, "x")]).await), DriveConflict::Missing("tr3".into()));
    assert_eq!(
        refused(s.purge("t2", "tr4", 4031, vec![draft(t, "x")]).await),
        DriveConflict::Missing("tr4".into()),
        "another drive's entry"
    );
    assert_eq!(s.audit_head(t).await.unwrap().unwrap().0, head.unwrap().0 + 1);

    done(s.trash(t, "t1", "/k", "tr5", 4040, "alice", vec![]).await);
    let u = used(s, "t1").await;
    done(s.purge("t1", "tr5", 4041, vec![]).await);
    assert_eq!(used(s, "t1").await, u - (5 + 6 + 7), "files and their versions");
    let pending = s.blob_gc_pending(100_000).await.unwrap();
    assert!(["ta", "ta2", "tb"].iter().all(|b| pending.contains(&b.to_string())));
    let pos = |b: &str| pending.iter().position(|p| p == b).unwrap();
    assert!(pos("tc") < pos("tb"), "oldest first");
    check_usage(s, t).await;

    // The sweeper keeps a blob that metadata still names.
    file(s, t, "t1", "/keep", "shared", 1, 4050).await;
    done(s.copy_node(&transfer(t, "t1", "/keep", "t1", "/keep2", 4051), vec![]).await);
    done(s.trash(t, "t1", "/keep2", "tr6", 4052, "alice", vec![]).await);
    done(s.purge("t1", "tr6", 4053, vec![]).await);
    assert!(s.blob_gc_pending(100_000).await.unwrap().contains(&"shared".to_string()));
    assert!(s.blob_gc_take("shared").await.unwrap(), "still used by /keep");
    assert!(!s.blob_gc_take("tb").await.unwrap());
    let pending = s.blob_gc_pending(100_000).await.unwrap();
    assert!(!pending.contains(&"shared".to_string()) && !pending.contains(&"tb".to_string()));

    // The change feed: commit order, per drive and across drives.
    let feed = s.changes("t1", 0, 1000).await.unwrap();
    let kinds: Vec<&str> = feed.iter().map(|c| c.kind.as_str()).collect();
    assert_eq!(
        kinds,
        [
            "create", "create", "update", "create", "create", "delete", "create", "delete", "restore", "create",
            "create", "delete", "delete", "delete", "create", "create", "delete"
        ]
    );
    assert!(feed.windows(2).all(|w| w[0].seq < w[1].seq));
    assert_eq!((feed[0].path.as_str(), feed[0].dir, feed[0].time), ("/k", true, 4000));
    let all = s.changes_all(mark, 100_000).await.unwrap();
    assert!(all.windows(2).all(|w| w[0].1.seq < w[1].1.seq));
    let mine: Vec<_> = all.into_iter().filter(|(_, c)| c.drive == "t1").collect();
    assert!(mine.iter().all(|(tenant, _)| tenant == t));
    assert_eq!(mine.into_iter().map(|(_, c)| c).collect::<Vec<_>>(), feed);
    let page = s.changes("t1", feed[2].seq, 2).await.unwrap();
    assert_eq!(page, feed[3..5].to_vec());
    assert_eq!(s.changes_all(feed[2].seq, 1).await.unwrap()[0].1, feed[3]);
}

async fn locks(s: &dyn Store) {
    let t = "lt";
    new_drive(s, "lk", t).await;
    mkdir(s, t, "lk", "/d", 5000).await;
    file(s, t, "lk", "/d/f", "lf", 1, 5001).await;
    let mut l1 = LockRow {
        token: "opaquelocktoken:1".into(),
        drive: "lk".into(),
        path: "/d".into(),
        principal: Some("p1".into()),
        owner: Some("<D:href>p1</D:href>".into()),
        timeout_at: Some(5000),
        timeout_s: Some(60),
        shared: false,
        deep: true,
    };
    let l2 = LockRow {
        token: "opaquelocktoken:2".into(),
        path: "/d/f".into(),
        principal: None,
        owner: None,
        timeout_at: None,
        timeout_s: None,
        shared: true,
        deep: false,
        ..l1.clone()
    };
    s.put_lock(&l1).await.unwrap();
    s.put_lock(&l2).await.unwrap();
    let sorted = |mut v: Vec<LockRow>| {
        v.sort_by(|a, b| a.token.cmp(&b.token));
        v
    };
    assert_eq!(sorted(s.locks("lk").await.unwrap()), [l1.clone(), l2.clone()]);
    assert!(s.locks("other").await.unwrap().is_empty());
    l1.timeout_at = Some(9000);
    l1.timeout_s = Some(120);
    s.put_lock(&l1).await.unwrap();
    assert_eq!(sorted(s.locks("lk").await.unwrap()), [l1.clone(), l2.clone()], "a refresh moves the timeout");
    assert_eq!(s.expire_locks(8999).await.unwrap(), 0);
    assert_eq!(s.expire_locks(9000).await.unwrap(), 1);
    assert_eq!(s.locks("lk").await.unwrap(), std::slice::from_ref(&l2), "an infinite lock stays");
    assert!(s.delete_lock("opaquelocktoken:2").await.unwrap());
    assert!(!s.delete_lock("opaquelocktoken:2").await.unwrap());
    s.put_lock(&l2).await.unwrap();
    done(s.move_node(&transfer(t, "lk", "/d", "lk", "/e", 5002), vec![]).await);
    assert!(s.locks("lk").await.unwrap().is_empty(), "a move drops the locks of what it moves");
}

async fn shares(s: &dyn Store) {
    let t = "st";
    new_drive(s, "sd", t).await;
    let docs = mkdir(s, t, "sd", "/docs", 6000).await;
    let r = file(s, t, "sd", "/docs/r", "sr", 1, 6001).await;
    let solo = file(s, t, "sd", "/solo", "so", 1, 6002).await;
    let share = |id: &str, node: &Node, kind: &str, target: &str, created: i64| ShareRow {
        id: id.into(),
        tenant: t.into(),
        drive: "sd".into(),
        node: node.id,
        path: node.path.clone(),
        target_kind: kind.into(),
        target: target.into(),
        role: "viewer".into(),
        created_by: "alice".into(),
        created,
        expires: None,
        password: None,
        token: None,
    };
    let s1 = share("s1", &docs, "principal", "p-bob", 10);
    let s2 = ShareRow { role: "editor".into(), ..share("s2", &r, "group", "st:staff", 20) };
    let s3 = ShareRow {
        role: "view".into(),
        created_by: "carol".into(),
        expires: Some(99),
        password: Some("$argon2id$x".into()),
        token: Some("hash1".into()),
        ..share("s3", &solo, "link", "", 30)
    };
    for sh in [&s1, &s2, &s3] {
        let (_, recs) = s.put_share(sh, vec![draft(t, "share.create")]).await.unwrap().unwrap();
        assert_eq!(recs.len(), 1);
    }
    let head = s.audit_head(t).await.unwrap();
    assert_eq!(refused(s.put_share(&s1, vec![draft(t, "x")]).await), DriveConflict::Exists("s1".into()));
    let same_token = ShareRow { id: "s4".into(), ..s3.clone() };
    assert_eq!(refused(s.put_share(&same_token, vec![draft(t, "x")]).await), DriveConflict::Exists("s4".into()));
    assert_eq!(s.audit_head(t).await.unwrap(), head);

    assert_eq!(s.share("s1").await.unwrap(), Some(s1.clone()));
    assert_eq!(s.share_by_token("hash1").await.unwrap(), Some(s3.clone()));
    assert!(s.share_by_token("nope").await.unwrap().is_none());
    assert!(s.share("nope").await.unwrap().is_none());
    assert_eq!(s.shares_of_drive("sd").await.unwrap(), [s1.clone(), s2.clone(), s3.clone()], "by path, then time");
    let targets = [("principal".to_string(), "p-bob".to_string()), ("group".to_string(), "st:staff".to_string())];
    assert_eq!(s.shares_for(&targets).await.unwrap(), [s1.clone(), s2.clone()]);
    assert!(s.shares_for(&[]).await.unwrap().is_empty());
    assert!(s.shares_for(&[("group".into(), "p-bob".into())]).await.unwrap().is_empty(), "the kind matters");
    assert_eq!(s.shares_by_creator("alice").await.unwrap(), [s1.clone(), s2.clone()]);
    assert_eq!(s.shares_targeting("p-bob").await.unwrap(), std::slice::from_ref(&s1));

    done(s.move_node(&transfer(t, "sd", "/docs", "sd", "/papers", 6010), vec![]).await);
    assert_eq!(s.share("s2").await.unwrap().unwrap().path, "/papers/r", "a share follows its item");
    done(s.trash(t, "sd", "/solo", "str", 6011, "alice", vec![]).await);
    assert!(s.share("s3").await.unwrap().is_none(), "a share of a trashed item is dormant");
    assert!(s.share_by_token("hash1").await.unwrap().is_none());
    assert_eq!(s.shares_of_drive("sd").await.unwrap().len(), 2);
    done(s.restore(t, "sd", "str", 6012, vec![]).await);
    assert_eq!(s.share_by_token("hash1").await.unwrap(), Some(s3));
    done(s.delete_share("s1", vec![draft(t, "share.delete")]).await);
    assert_eq!(refused(s.delete_share("s1", vec![draft(t, "x")]).await), DriveConflict::Missing("s1".into()));
    assert!(s.share("s1").await.unwrap().is_none());
}

async fn retention(s: &dyn Store) {
    // A hold placed between planning and applying refuses the batch.
    let planned = hold_fingerprint(&[]);
    let cursor = |pos: &str| Some(("conformance".to_string(), Some(pos.to_string())));
    let r = Removal { holds: vec![("rt".into(), planned.clone())], cursor: cursor("a"), ..Default::default() };
    assert!(s.apply_removal(r).await.unwrap().is_some());
    assert_eq!(s.retention_cursor("conformance").await.unwrap().as_deref(), Some("a"));
    s.commit(Batch::new().op(Op::insert(HOLD_KIND, "rt-h1", "rt-held", None, &"held"))).await.unwrap();
    let r = Removal {
        holds: vec![("rt-held".into(), planned.clone())],
        cursor: cursor("b"),
        audit: vec![draft("rt-held", "retention.batch")],
        ..Default::default()
    };
    assert!(s.apply_removal(r).await.unwrap().is_none(), "planned without the hold: refused");
    assert_eq!(s.retention_cursor("conformance").await.unwrap().as_deref(), Some("a"), "nothing moved");
    assert!(s.audit_head("rt-held").await.unwrap().is_none());
    let held = hold_fingerprint(&[("rt-h1".into(), "\"held\"".into())]);
    let r = Removal { holds: vec![("rt-held".into(), held)], cursor: cursor("b"), ..Default::default() };
    assert!(s.apply_removal(r).await.unwrap().is_some(), "planned with the hold: applied");

    let t = "rt";
    new_drive(s, "rd", t).await;
    let r1 = file(s, t, "rd", "/r1", "r1a", 3, 7000).await;
    file(s, t, "rd", "/r1", "r1b", 4, 7001).await;
    let r2 = file(s, t, "rd", "/r2", "r2", 5, 7002).await;
    mkdir(s, t, "rd", "/rf", 7003).await;
    file(s, t, "rd", "/rf/x", "rx", 6, 7004).await;
    done(s.trash(t, "rd", "/rf", "rtr", 7005, "alice", vec![]).await);

    let page = s.trash_page(0, 100_000).await.unwrap();
    let (rid, tenant, entry) = page.iter().find(|(_, _, e)| e.id == "rtr").unwrap().clone();
    assert_eq!((tenant.as_str(), entry.path.as_str()), (t, "/rf"));
    assert!(page.windows(2).all(|w| w[0].0 < w[1].0), "insertion order");
    assert!(s.trash_page(rid, 100_000).await.unwrap().iter().all(|(_, _, e)| e.id != "rtr"));
    assert_eq!(paths(&s.trash_nodes("rtr").await.unwrap()), ["/rf", "/rf/x"]);
    let versions = s.versions_page(0, 100_000).await.unwrap();
    let (v, vnode) = versions.iter().find(|(_, n)| n.id == r1.id).unwrap().clone();
    assert_eq!((v.blob.as_str(), v.size, vnode.path.as_str()), ("r1a", 3, "/r1"));
    let files: Vec<String> =
        s.files_page(0, 100_000).await.unwrap().into_iter().filter(|n| n.drive == "rd").map(|n| n.path).collect();
    assert_eq!(files, ["/r1", "/r2"], "live files only, by id");
    let nodes = s.drive_nodes("rd").await.unwrap();
    assert_eq!(
        nodes.iter().map(|(n, t)| (n.path.as_str(), t.as_deref())).collect::<Vec<_>>(),
        [("/", None), ("/r1", None), ("/r2", None), ("/rf", Some("rtr")), ("/rf/x", Some("rtr"))]
    );
    assert_eq!(s.drive_versions("rd").await.unwrap(), std::slice::from_ref(&v));

    let r = Removal {
        now: 7100,
        purge: vec![("rd".into(), "rtr".into()), ("rd".into(), "gone-already".into())],
        versions: vec![v.id, v.id + 1_000_000],
        expire: vec![(t.into(), "rd".into(), r2.id, "rtr2".into(), "system:retention".into())],
        holds: vec![(t.into(), hold_fingerprint(&[]))],
        cursor: cursor("c"),
        audit: vec![draft(t, "retention.batch")],
        ..Default::default()
    };
    let (done_, recs) = s.apply_removal(r).await.unwrap().unwrap();
    assert_eq!(recs.len(), 1);
    assert_eq!((done_.purged, done_.versions, done_.expired, done_.bytes), (1, 1, 1, 6 + 3));
    assert!(s.node("rd", "/r2").await.unwrap().is_none());
    assert_eq!(s.trash_list("rd").await.unwrap().iter().map(|e| e.id.as_str()).collect::<Vec<_>>(), ["rtr2"]);
    assert!(s.versions(r1.id).await.unwrap().is_empty());
    assert_eq!(s.retention_cursor("conformance").await.unwrap().as_deref(), Some("c"));
    let pending = s.blob_gc_pending(100_000).await.unwrap();
    assert!(["rx", "r1a"].iter().all(|b| pending.contains(&b.to_string())));
    check_usage(s, t).await;

    // Erasure: nodes go with their versions and shares; emptied drives go.
    mkdir(s, t, "rd", "/e", 7200).await;
    let ex = file(s, t, "rd", "/e/x", "ex", 2, 7201).await;
    let sh = ShareRow {
        id: "rsh".into(),
        tenant: t.into(),
        drive: "rd".into(),
        node: ex.id,
        path: String::new(),
        target_kind: "principal".into(),
        target: "p-r".into(),
        role: "viewer".into(),
        created_by: "alice".into(),
        created: 1,
        expires: None,
        password: None,
        token: None,
    };
    done(s.put_share(&sh, vec![]).await);
    let r = Removal {
        now: 7300,
        erase: vec![(t.into(), ex.id), (t.into(), r1.id)],
        tidy: vec![(t.into(), "rd".into())],
        holds: vec![(t.into(), hold_fingerprint(&[]))],
        ..Default::default()
    };
    let (out, _) = s.apply_removal(r).await.unwrap().unwrap();
    assert_eq!((out.erased, out.shares, out.bytes), (3, 1, 2 + 4), "two files and the folder left empty");
    assert!(out.drives.is_empty(), "the trash still holds /r2");
    assert!(s.node("rd", "/e").await.unwrap().is_none());
    let c = s.changes("rd", 0, 1000).await.unwrap();
    let tail: Vec<(&str, &str)> = c[c.len() - 3..].iter().map(|c| (c.kind.as_str(), c.path.as_str())).collect();
    assert_eq!(tail, [("delete", "/e/x"), ("delete", "/r1"), ("delete", "/e")]);
    let r = Removal {
        now: 7400,
        erase: vec![(t.into(), r2.id)],
        tidy: vec![(t.into(), "rd".into())],
        cursor: Some(("conformance".into(), None)),
        ..Default::default()
    };
    let (out, _) = s.apply_removal(r).await.unwrap().unwrap();
    assert_eq!(out.drives, ["rd"], "nothing left: the drive goes");
    assert!(s.drive("rd").await.unwrap().is_none());
    assert_eq!(s.tenant_used(t).await.unwrap(), 0);
    assert!(s.retention_cursor("conformance").await.unwrap().is_none());
    let last = s.changes("rd", 0, 1000).await.unwrap().last().unwrap().seq;
    assert!(s.forget_changes("rd", last).await.unwrap() > 0);
    assert!(s.changes("rd", 0, 1000).await.unwrap().is_empty());
}

async fn purge_tenant(s: &dyn Store) {
    let t = "gone";
    new_drive(s, "gd", t).await;
    file(s, t, "gd", "/f", "gf1", 1, 8000).await;
    file(s, t, "gd", "/f", "gf2", 2, 8001).await;
    file(s, t, "gd", "/g", "gg", 3, 8002).await;
    done(s.copy_node(&transfer(t, "gd", "/g", "gd", "/g2", 8003), vec![]).await);
    assert_eq!(s.tenant_blobs_after(t, "", 100).await.unwrap(), ["gf1", "gf2", "gg"], "distinct, ascending");
    assert_eq!(s.tenant_blobs_after(t, "gf1", 1).await.unwrap(), ["gf2"]);
    assert!(s.tenant_blobs_after("nobody", "", 100).await.unwrap().is_empty());
    s.commit(Batch::new().op(Op::insert("thing", "gone-doc", t, None, &1)).audit(draft(t, "thing.create")))
        .await
        .unwrap();
    let recs = s.purge_tenant(t, 8100, vec![draft(t, "tenant.delete")]).await.unwrap();
    assert_eq!(recs.len(), 1);
    assert!(s.drive("gd").await.unwrap().is_none());
    assert!(s.get("thing", "gone-doc").await.unwrap().is_none());
    assert_eq!(s.tenant_used(t).await.unwrap(), 0);
    assert!(s.changes("gd", 0, 100).await.unwrap().is_empty());
    assert!(s.tenant_blobs_after(t, "", 100).await.unwrap().is_empty());
    let pending = s.blob_gc_pending(100_000).await.unwrap();
    assert!(["gf1", "gf2", "gg"].iter().all(|b| pending.contains(&b.to_string())));
    assert_eq!(s.audit_after(t, 0, 100).await.unwrap().len(), 2, "the audit log stays");
}

// ---------------------------------------------------------------- concurrency

/// Concurrent writes through `stores` (one store, or several sharing one
/// database, as nodes do): every write that may pass does, a failing one
/// takes only itself down, each tenant's chain stays one unbroken line, a
/// quota is never overrun by writes racing for its last bytes, and one
/// holder wins a contested lease.
pub async fn concurrent_writes(stores: &[Arc<dyn Store>]) {
    let node = |i: usize| stores[i % stores.len()].clone();
    let mut tasks = Vec::new();
    for i in 0..60 {
        let s = node(i);
        tasks.push(tokio::spawn(async move {
            // Every third write collides with an earlier key and fails.
            let key = if i % 3 == 2 { format!("k{}", i - 1) } else { format!("k{i}") };
            let op = Op::insert("thing", &key, "t", None, &i);
            (i, s.commit(Batch::new().op(op).audit(draft("t", "thing.create"))).await)
        }));
    }
    let mut ok = 0;
    for t in tasks {
        let (i, r) = t.await.unwrap();
        match r {
            Ok(recs) => {
                ok += 1;
                assert_eq!(recs.len(), 1);
            }
            // Of each colliding pair, whichever came second.
            Err(StoreError::Conflict { .. }) => assert_ne!(i % 3, 0, "only colliding writes fail"),
            Err(e) => panic!("write {i}: {e}"),
        }
    }
    let s = node(0);
    assert_eq!(ok, 40);
    assert_eq!(s.list("thing", Some("t")).await.unwrap().len(), 40, "every successful write landed");
    let recs = s.audit_after("t", 0, 1000).await.unwrap();
    assert_eq!(recs.len(), 40, "a failed write left no record");
    assert!(recs.windows(2).all(|w| w[1].seq == w[0].seq + 1 && w[1].prev_hash == w[0].hash), "one unbroken chain");

    // Thirty uploads race for a drive with room for ten.
    done(s.create_drive(&drive_row("race", "rc", "race"), 0, 1, vec![]).await);
    let mut tasks = Vec::new();
    for i in 0..30 {
        let s = node(i);
        tasks.push(tokio::spawn(async move {
            let mut p = put("rc", "race", &format!("/f{i}"), &format!("rb{i}"), 10, 100 + i as i64);
            p.quota = Some(100);
            p.tenant_quota = Some(TenantQuota { bytes: 1000, name: "rc".into() });
            s.put_file(&p, vec![draft("rc", "content.write")]).await.unwrap()
        }));
    }
    let mut stored = 0;
    for t in tasks {
        match t.await.unwrap() {
            Ok(_) => stored += 1,
            Err(DriveConflict::Quota { needed: 10, available: 0 }) => {}
            Err(e) => panic!("unexpected refusal: {e}"),
        }
    }
    assert_eq!(stored, 10);
    assert_eq!(used(s.as_ref(), "race").await, 100);
    assert_eq!(s.tenant_used("rc").await.unwrap(), 100);
    let recs = s.audit_after("rc", 0, 1000).await.unwrap();
    assert_eq!(recs.len(), 10);
    assert!(recs.windows(2).all(|w| w[1].seq == w[0].seq + 1 && w[1].prev_hash == w[0].hash));
    let feed = s.changes("race", 0, 1000).await.unwrap();
    assert_eq!(feed.len(), 10);
    assert!(feed.windows(2).all(|w| w[0].seq < w[1].seq));

    let mut tasks = Vec::new();
    for i in 0..20 {
        let s = node(i);
        tasks.push(tokio::spawn(async move { s.lease("race-job", &format!("h{i}"), 100, 30).await.unwrap() }));
    }
    let mut won = 0;
    for t in tasks {
        won += t.await.unwrap() as u32;
    }
    assert_eq!(won, 1, "one holder at a time");
}
