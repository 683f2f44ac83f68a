//! Retention, legal hold and GDPR erasure on the demo installation: what a
//! user trying to delete, an administrator placing a hold or erasing a
//! person, and an auditor reading the log would see. Ages are set by running
//! the job with a later `now`, never by waiting.

mod common;

use common::{Client, Resp, Server};
use reqwest::Method;
use serde_json::{json, Value};
use suveren_domain::retention::{date, DAY_MS};

const LARS: &str = "lars.laerer@nordvik.test";
const ANNA: &str = "anna.admin@nordvik.test";

fn now_ms() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).expect("clock").as_millis() as i64
}

fn drive_id(s: &Server, login: &str) -> String {
    format!("p-{}", s.app.snapshot().dir.principal_by_login(login).expect(login).id)
}

async fn upload(c: &Client, drive: &str, path: &str, body: &str) -> Resp {
    let rb =
        c.req(Method::PUT, &format!("/api/v1/drives/{drive}/content")).query(&[("path", path)]).body(body.to_string());
    let r = c.send(rb).await;
    assert!(matches!(r.status, 200 | 201 | 204), "upload {path}: {} {}", r.status, r.text());
    r
}

async fn delete(c: &Client, drive: &str, path: &str) -> Resp {
    c.send(c.req(Method::DELETE, &format!("/api/v1/drives/{drive}/items")).query(&[("path", path)])).await
}

async fn mkdir(c: &Client, drive: &str, path: &str) {
    let r = c.post(&format!("/api/v1/drives/{drive}/folders"), &json!({ "path": path })).await;
    assert_eq!(r.status, 201, "mkdir {path}: {}", r.text());
}

async fn children(c: &Client, drive: &str, path: &str) -> Vec<String> {
    let r = c.send(c.req(Method::GET, &format!("/api/v1/drives/{drive}/items")).query(&[("path", path)])).await;
    assert_eq!(r.status, 200, "{}", r.text());
    r.json()["children"].as_array().unwrap().iter().map(|c| c["name"].as_str().unwrap().to_string()).collect()
}

async fn trash(c: &Client, drive: &str) -> Vec<Value> {
    let r = c.get(&format!("/api/v1/drives/{drive}/trash")).await;
    assert_eq!(r.status, 200, "{}", r.text());
    r.json()["trash"].as_array().unwrap().clone()
}

async fn versions(c: &Client, drive: &str, path: &str) -> usize {
    let r = c.send(c.req(Method::GET, &format!("/api/v1/drives/{drive}/versions")).query(&[("path", path)])).await;
    assert_eq!(r.status, 200, "{}", r.text());
    r.json()["versions"].as_array().unwrap().len()
}

/// Sets the retention of one level of nordvik's scheme through the admin API.
async fn set_retention(admin: &Client, rank: usize, retention: Value) {
    let mut scheme = admin.get("/api/v1/tenants/nordvik/classification").await.json();
    scheme["levels"][rank]["retention"] = retention;
    let r = admin.put("/api/v1/tenants/nordvik/classification", &scheme).await;
    assert_eq!(r.status, 200, "set retention: {}", r.text());
}

async fn records(s: &Server) -> Vec<suveren_audit::Record> {
    s.app.store.audit_after("nordvik", 0, 1_000_000).await.unwrap()
}

#[tokio::test]
async fn the_job_purges_old_trash_prunes_old_versions_and_expires_files_by_the_level() {
    let s = common::start().await;
    let anna = s.login(ANNA).await;
    let lars = s.login(LARS).await;
    let d = drive_id(&s, LARS);
    // Intern (personal drives): files at most a year, versions 30 days.
    set_retention(&anna, 1, json!({"file_max_days": 365, "version_max_days": 30, "trash_days": 30})).await;
    upload(&lars, &d, "/plan.txt", "first").await;
    upload(&lars, &d, "/plan.txt", "second").await;
    upload(&lars, &d, "/old.txt", "bin me").await;
    assert_eq!(delete(&lars, &d, "/old.txt").await.status, 200);
    assert_eq!(versions(&lars, &d, "/plan.txt").await, 1);

    // Tomorrow nothing is due.
    let r = s.app.run_retention(now_ms() + DAY_MS).await.unwrap();
    assert!(r.done);
    assert_eq!(trash(&lars, &d).await.len(), 1);
    assert_eq!(versions(&lars, &d, "/plan.txt").await, 1);

    // A month on: the trash entry and the old version are gone, the file stays.
    let r = s.app.run_retention(now_ms() + 31 * DAY_MS).await.unwrap();
    assert!(r.purged >= 1 && r.versions >= 1, "{r:?}");
    assert!(trash(&lars, &d).await.is_empty());
    assert_eq!(versions(&lars, &d, "/plan.txt").await, 0);
    assert!(children(&lars, &d, "/").await.contains(&"plan.txt".to_string()));

    // A year on: the file goes to the trash (restorable), a month later for good.
    let r = s.app.run_retention(now_ms() + 366 * DAY_MS).await.unwrap();
    assert!(r.expired >= 1, "{r:?}");
    assert!(!children(&lars, &d, "/").await.contains(&"plan.txt".to_string()));
    let t = trash(&lars, &d).await;
    assert!(t.iter().any(|e| e["path"] == "/plan.txt" && e["by"] == "system:retention"), "{t:?}");
    s.app.run_retention(now_ms() + 366 * DAY_MS + 31 * DAY_MS).await.unwrap();
    // The trash entry was made "now" (the real clock), so it is due 30 days
    // after that: 397 days on, it is.
    assert!(trash(&lars, &d).await.is_empty());

    // Every removal is in the tenant's log, by the job, naming the rule.
    let recs = records(&s).await;
    let by_job: Vec<_> = recs.iter().filter(|r| r.actor == "system:retention").collect();
    for (action, rule) in [
        ("retention.purge", "trash is kept 30 days under the retention rule for Intern"),
        ("retention.version_prune", "versions are kept 30 days under the retention rule for Intern"),
        ("retention.expire", "files are kept at most 365 days under the retention rule for Intern"),
    ] {
        assert!(
            by_job.iter().any(|r| r.action == action
                && r.resource.ends_with("/plan.txt") | r.resource.ends_with("/old.txt")
                && r.reason.as_deref().unwrap_or("").contains(rule)),
            "{action} recorded with its rule"
        );
    }
    // And the chain still verifies.
    let export = anna.get("/api/v1/tenants/nordvik/audit/export").await;
    assert_eq!(export.status, 200);
}

#[tokio::test]
async fn minimum_retention_refuses_deletion_and_says_until_when() {
    let s = common::start().await;
    let anna = s.login(ANNA).await;
    let lars = s.login(LARS).await;
    let d = drive_id(&s, LARS);
    // Bad settings are refused with the reason.
    let mut scheme = anna.get("/api/v1/tenants/nordvik/classification").await.json();
    scheme["levels"][1]["retention"] = json!({"file_min_days": 400, "file_max_days": 365});
    let r = anna.put("/api/v1/tenants/nordvik/classification", &scheme).await;
    let p = r.problem(422);
    assert!(p["detail"].as_str().unwrap().contains("file_min_days"), "{p}");

    set_retention(&anna, 1, json!({"file_min_days": 365})).await;
    let created = upload(&lars, &d, "/Vedtak.txt", "vedtak").await.json()["created"].as_i64().expect("created");
    let r = delete(&lars, &d, "/Vedtak.txt").await;
    let p = r.problem(403);
    assert_eq!(p["rule"], "retention");
    assert_eq!(
        p["detail"],
        format!("Kept until {} under the retention rule for Intern.", date(created + 365 * DAY_MS))
    );
    assert!(children(&lars, &d, "/").await.contains(&"Vedtak.txt".to_string()));
    // A folder holding it cannot go either; the refusal names the file.
    mkdir(&lars, &d, "/Mappe").await;
    upload(&lars, &d, "/Mappe/b.txt", "b").await;
    let p = delete(&lars, &d, "/Mappe").await.problem(403);
    assert!(p["detail"].as_str().unwrap().contains("/Mappe/b.txt"), "{p}");
    // Something deleted before the minimum was set is not purged from the
    // trash while the minimum runs, even when the trash period is over.
    set_retention(&anna, 1, json!({})).await;
    upload(&lars, &d, "/utkast.txt", "utkast").await;
    assert_eq!(delete(&lars, &d, "/utkast.txt").await.status, 200);
    set_retention(&anna, 1, json!({"file_min_days": 365})).await;
    let r = s.app.run_retention(now_ms() + 31 * DAY_MS).await.unwrap();
    assert!(r.kept_min >= 1 && r.purged == 0, "{r:?}");
    let t = trash(&lars, &d).await;
    let entry = t.iter().find(|e| e["path"] == "/utkast.txt").expect("still in the trash");
    let p = lars.delete(&format!("/api/v1/drives/{d}/trash/{}", entry["id"].as_str().unwrap())).await.problem(403);
    assert!(p["detail"].as_str().unwrap().starts_with("Kept until"), "{p}");
    // A year on it goes.
    let r = s.app.run_retention(now_ms() + 366 * DAY_MS).await.unwrap();
    assert!(r.purged >= 1, "{r:?}");
    // The refusals are in the log.
    let recs = records(&s).await;
    assert!(recs.iter().any(|r| r.actor == LARS
        && r.decision == suveren_audit::Outcome::Deny
        && r.reason.as_deref().is_some_and(|x| x.starts_with("retention: Kept until"))));
}

#[tokio::test]
async fn a_legal_hold_suspends_deletion_purge_and_the_job_until_released() {
    let s = common::start().await;
    let anna = s.login(ANNA).await;
    let lars = s.login(LARS).await;
    let d = drive_id(&s, LARS);
    mkdir(&lars, &d, "/Saker").await;
    upload(&lars, &d, "/Saker/referat.txt", "referat").await;
    upload(&lars, &d, "/Saker/gammel.txt", "gammel").await;
    upload(&lars, &d, "/annet.txt", "annet").await;
    assert_eq!(delete(&lars, &d, "/Saker/gammel.txt").await.status, 200);

    // Only tenant administrators manage holds.
    let r = lars.get("/api/v1/tenants/nordvik/legal-holds").await;
    assert!(matches!(r.status, 403 | 404), "{}", r.text());
    let r = anna
        .post(
            "/api/v1/tenants/nordvik/legal-holds",
            &json!({"scope": {"folder": {"drive": LARS, "path": "/Saker"}}, "reason": "", "case_ref": "2026/117"}),
        )
        .await;
    r.problem(422);
    let r = anna
        .post(
            "/api/v1/tenants/nordvik/legal-holds",
            &json!({"scope": {"folder": {"drive": LARS, "path": "/Saker"}},
                    "reason": "Tilsynssak, bevar alt", "case_ref": "2026/117"}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.text());
    let hold = r.json();
    let id = hold["id"].as_str().unwrap().to_string();
    let since = date(hold["created"].as_i64().unwrap());
    let expected = format!("Under legal hold (case 2026/117) since {since}.");
    let listed = anna.get("/api/v1/tenants/nordvik/legal-holds").await.json();
    assert_eq!(listed["holds"][0]["case_ref"], "2026/117");

    // Deleting, deleting the folder, moving out and purging are refused.
    let p = delete(&lars, &d, "/Saker/referat.txt").await.problem(403);
    assert_eq!((p["rule"].as_str(), p["detail"].as_str()), (Some("retention"), Some(expected.as_str())));
    let p = delete(&lars, &d, "/Saker").await.problem(403);
    assert!(p["detail"].as_str().unwrap().starts_with("Under legal hold (case 2026/117)"), "{p}");
    let r =
        lars.post(&format!("/api/v1/drives/{d}/move"), &json!({"from": "/Saker/referat.txt", "to": "/x.txt"})).await;
    assert!(r.problem(403)["detail"].as_str().unwrap().contains("2026/117"));
    let entry = trash(&lars, &d).await[0]["id"].as_str().unwrap().to_string();
    let p = lars.delete(&format!("/api/v1/drives/{d}/trash/{entry}")).await.problem(403);
    assert!(p["detail"].as_str().unwrap().contains("2026/117"), "{p}");
    // WebDAV clients get the same refusal, explained.
    let r = lars.post("/api/v1/me/app-passwords", &json!({"label": "dav"})).await;
    let dav = s.basic(LARS, r.json()["password"].as_str().unwrap());
    let r = dav.send(dav.req(Method::DELETE, &format!("/dav/files/{LARS}/Saker/referat.txt"))).await;
    assert_eq!(r.status, 403, "{}", r.text());
    assert!(r.text().contains("Under legal hold (case 2026/117)"), "{}", r.text());
    // Outside the folder life goes on.
    assert_eq!(delete(&lars, &d, "/annet.txt").await.status, 200);
    // Earlier versions pile up while held.
    for v in ["2", "3", "4"] {
        upload(&lars, &d, "/Saker/referat.txt", v).await;
    }
    assert_eq!(versions(&lars, &d, "/Saker/referat.txt").await, 3);

    // The job skips what the hold covers, and loses nothing.
    let r = s.app.run_retention(now_ms() + 4000 * DAY_MS).await.unwrap();
    assert!(r.kept_held >= 2, "trash entry and versions kept: {r:?}");
    assert_eq!(versions(&lars, &d, "/Saker/referat.txt").await, 3);
    assert!(trash(&lars, &d).await.iter().any(|e| e["id"] == entry.as_str()));
    assert!(!trash(&lars, &d).await.iter().any(|e| e["path"] == "/annet.txt"), "unheld trash was purged");

    // Released: the purge goes through; a second release is refused.
    let r = anna
        .post(&format!("/api/v1/tenants/nordvik/legal-holds/{id}/release"), &json!({"note": "Saken er avsluttet"}))
        .await;
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(r.json()["released"]["by"], ANNA);
    let r = anna.post(&format!("/api/v1/tenants/nordvik/legal-holds/{id}/release"), &json!({"note": "igjen"})).await;
    r.problem(409);
    assert_eq!(lars.delete(&format!("/api/v1/drives/{d}/trash/{entry}")).await.status, 204);

    // A hold on a person also covers what they wrote in team drives.
    let r = anna
        .post(
            "/api/v1/tenants/nordvik/legal-holds",
            &json!({"scope": {"principal": "siri.saksbehandler@nordvik.test"}, "reason": "Tilsyn", "case_ref": "T-1"}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.text());
    let siri = s.login("siri.saksbehandler@nordvik.test").await;
    let p = delete(&siri, "d-barnevern", "/Maler/Undersøkelsesplan.txt").await.problem(403);
    assert!(p["detail"].as_str().unwrap().starts_with("Under legal hold (case T-1)"), "{p}");

    let recs = records(&s).await;
    assert!(recs.iter().any(|r| r.action == "legal_hold.manage"
        && r.reason.as_deref().is_some_and(|x| x.starts_with("hold placed (case 2026/117)"))));
    assert!(recs.iter().any(|r| r.action == "legal_hold.manage"
        && r.reason.as_deref().is_some_and(|x| x.starts_with("hold released (case 2026/117)"))));
    assert!(recs.iter().any(|r| r.actor == LARS
        && r.decision == suveren_audit::Outcome::Deny
        && r.reason.as_deref().is_some_and(|x| x.contains("Under legal hold (case 2026/117)"))));
}

#[tokio::test]
async fn the_job_works_in_batches_and_resumes_from_its_saved_cursor() {
    let s = common::start().await;
    let lars = s.login(LARS).await;
    let d = drive_id(&s, LARS);
    for i in 0..5 {
        let p = format!("/t{i}.txt");
        upload(&lars, &d, &p, "x").await;
        assert_eq!(delete(&lars, &d, &p).await.status, 200);
    }
    let later = now_ms() + 31 * DAY_MS;
    let first = s.app.retention_step(later, 2).await.unwrap();
    assert_eq!((first.purged, first.done), (2, false));
    // The cursor is in the database (it survives a restart), not in memory.
    let cursor = s.app.store.retention_cursor("retention").await.unwrap().expect("saved cursor");
    assert!(cursor.contains("trash"), "{cursor}");
    assert_eq!(s.app.retention_cursor().await.unwrap().as_deref(), Some(cursor.as_str()));
    assert_eq!(trash(&lars, &d).await.len(), 3);
    // The next run goes on from there to the end of the pass.
    let rest = s.app.run_retention(later).await.unwrap();
    assert!(rest.done);
    assert_eq!(rest.purged, 3);
    assert!(trash(&lars, &d).await.is_empty());
    assert_eq!(s.app.retention_cursor().await.unwrap(), None, "a finished pass clears the cursor");
    // Each entry was purged exactly once, each with its own record.
    let purges = records(&s).await.into_iter().filter(|r| r.action == "retention.purge").count();
    assert_eq!(purges, 5);
}

#[tokio::test]
async fn erasure_keeps_what_holds_and_retention_require_and_says_why() {
    const KARI: &str = "kari.nordmann@nordvik.test";
    const PW: &str = "Fjellvann-kveld-under-Lyngen";
    let s = common::start().await;
    let anna = s.login(ANNA).await;
    let r = anna
        .post(
            "/api/v1/tenants/nordvik/principals",
            &json!({"login": KARI, "name": "Kari Nordmann", "kind": "employee", "password": PW}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.text());
    let kari = s.login_password(KARI, PW).await;
    let d = drive_id(&s, KARI);
    // The personal drive exists from first use.
    assert_eq!(kari.get("/api/v1/drives").await.status, 200);
    let r = kari.post("/api/v1/me/app-passwords", &json!({"label": "dav"})).await;
    assert_eq!(r.status, 201, "{}", r.text());
    mkdir(&kari, &d, "/Bevis").await;
    upload(&kari, &d, "/Bevis/logg.txt", "bevis").await;
    upload(&kari, &d, "/privat.txt", "en").await;
    upload(&kari, &d, "/privat.txt", "to").await;
    upload(&kari, &d, "/kast.txt", "kast").await;
    assert_eq!(delete(&kari, &d, "/kast.txt").await.status, 200);
    upload(&kari, &d, "/vedtak.txt", "vedtak").await;
    let r = kari
        .post(
            &format!("/api/v1/drives/{d}/shares"),
            &json!({"path": "/privat.txt", "principal": LARS, "role": "viewer"}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.text());
    // Fortrolig keeps files ten years; one of Lars's files is Fortrolig.
    set_retention(&anna, 2, json!({"file_min_days": 3650})).await;
    let r = kari.put(&format!("/api/v1/drives/{d}/level"), &json!({"path": "/vedtak.txt", "level": 2})).await;
    assert_eq!(r.status, 200, "{}", r.text());
    let r = anna
        .post(
            "/api/v1/tenants/nordvik/legal-holds",
            &json!({"scope": {"folder": {"drive": KARI, "path": "/Bevis"}}, "reason": "Varslingssak", "case_ref": "V-9"}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.text());
    let hold = r.json()["id"].as_str().unwrap().to_string();
    let gone_blob = s.app.store.node(&d, "/privat.txt").await.unwrap().unwrap().blob.expect("file blob");

    let erase = format!("/api/v1/tenants/nordvik/principals/{KARI}/erase");
    // Not for ordinary users.
    assert!(matches!(kari.post(&erase, &json!({})).await.status, 403 | 404));
    // A dry run reports and changes nothing.
    let dry = anna.post(&format!("{erase}?dry_run=true"), &json!({})).await;
    assert_eq!(dry.status, 200, "{}", dry.text());
    let dry = dry.json();
    assert_eq!(dry["dry_run"], true);
    assert!(s.app.store.node(&d, "/privat.txt").await.unwrap().is_some(), "nothing changed");
    let again = s.client().post("/api/v1/auth/login", &json!({"login": KARI, "password": PW})).await;
    assert_eq!(again.status, 200, "still signs in after a dry run: {}", again.text());

    let r = anna.post(&erase, &json!({})).await;
    assert_eq!(r.status, 200, "{}", r.text());
    let report = r.json();
    // The dry run said what would happen (but for the session of the
    // sign-in that showed the account still worked).
    let without_sessions = |v: &Value| {
        let mut v = v["erased"].clone();
        v.as_object_mut().unwrap().remove("sessions");
        v
    };
    assert_eq!(without_sessions(&report), without_sessions(&dry));
    assert_eq!(report["kept"], dry["kept"]);
    assert_eq!(report["kept_counts"], dry["kept_counts"]);
    let e = &report["erased"];
    assert_eq!(e["files"], 2, "privat.txt and the trashed kast.txt: {report}");
    assert_eq!(e["versions"], 1);
    assert_eq!(e["trash_entries"], 1);
    assert_eq!(e["shares"], 1);
    assert_eq!(e["app_passwords"], 1);
    assert!(e["sessions"].as_u64().unwrap() >= 1);
    assert_eq!((e["credential"].as_bool(), e["principal_record"].as_bool()), (Some(true), Some(true)));
    // File names are content: the administrator has no lockbox grant, so
    // the kept files are counted per drive and reason, never named.
    for r in [&dry, &report] {
        assert_eq!(r["kept"].as_array().map(Vec::len), Some(0), "{r}");
        let text = r.to_string();
        assert!(!text.contains("logg.txt") && !text.contains("vedtak"), "no file names: {text}");
    }
    let counted = report["kept_counts"].as_array().unwrap();
    assert_eq!(counted.len(), 2, "{report}");
    let held = counted.iter().find(|k| k["kind"] == "hold").expect("held file counted");
    assert_eq!(
        (held["files"].as_u64(), held["hold"].as_str(), held["case_ref"].as_str(), held["drive_id"].as_str()),
        (Some(1), Some(hold.as_str()), Some("V-9"), Some(d.as_str()))
    );
    assert_eq!(held["bytes"], 5);
    assert!(held["withheld"].as_str().unwrap().contains("lockbox"), "{held}");
    let min = counted.iter().find(|k| k["kind"] == "min_retention").expect("Fortrolig file counted");
    assert_eq!((min["files"].as_u64(), min["drive"].as_str()), (Some(1), Some("Kari Nordmann")));
    assert!(min["message"].as_str().unwrap().contains("under the retention rule for Fortrolig"), "{min}");
    assert!(min["until"].as_i64().unwrap() > now_ms() + 3649 * DAY_MS);

    // The person can no longer sign in, by password or app password, and is gone from the directory.
    let r = s.client().post("/api/v1/auth/login", &json!({"login": KARI, "password": PW})).await;
    assert_eq!(r.status, 401, "{}", r.text());
    assert_eq!(kari.get("/api/v1/auth/session").await.status, 401);
    assert!(!s.principal_logins(&anna, "nordvik").await.contains(&KARI.to_string()));
    // Unheld files are gone and their blobs released; kept ones are intact.
    assert!(s.app.store.node(&d, "/privat.txt").await.unwrap().is_none());
    let pending = s.app.store.blob_gc_pending(10_000).await.unwrap();
    assert!(
        pending.contains(&gone_blob) || s.app.drives().blobs.plaintext_len(&gone_blob).await.is_err(),
        "the blob is queued or already swept"
    );
    let feed = s.app.store.changes(&d, 0, 10_000).await.unwrap();
    assert!(feed.iter().all(|c| !c.path.contains("privat")), "the change feed forgot the names: {feed:?}");
    assert!(s.app.store.node(&d, "/Bevis/logg.txt").await.unwrap().is_some());
    assert!(s.app.store.node(&d, "/vedtak.txt").await.unwrap().is_some());
    assert!(s.app.store.shares_by_creator(&d[2..]).await.unwrap().is_empty());

    // The report is itself in the log; the log keeps the earlier records.
    let recs = records(&s).await;
    let last = recs.iter().rev().find(|r| r.action == "principal.erase").expect("erasure recorded");
    let reason = last.reason.as_deref().unwrap();
    assert!(reason.contains("kept 2 items") && reason.contains("V-9") && reason.contains("Fortrolig"), "{reason}");
    assert!(!reason.contains("logg.txt") && !reason.contains("vedtak"), "no names in the record either: {reason}");
    assert!(recs.iter().any(|r| r.actor == KARI), "the audit log is not erased");
}

#[tokio::test]
async fn under_a_lockbox_grant_the_erasure_report_names_the_kept_files_and_the_listing_is_audited() {
    const KARI: &str = "kari.nordmann@nordvik.test";
    const PW: &str = "Fjellvann-kveld-under-Lyngen";
    let s = common::start().await;
    let anna = s.login(ANNA).await;
    let r = anna
        .post(
            "/api/v1/tenants/nordvik/principals",
            &json!({"login": KARI, "name": "Kari Nordmann", "kind": "employee", "password": PW}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.text());
    let kari = s.login_password(KARI, PW).await;
    let d = drive_id(&s, KARI);
    assert_eq!(kari.get("/api/v1/drives").await.status, 200);
    mkdir(&kari, &d, "/Bevis").await;
    upload(&kari, &d, "/Bevis/logg.txt", "bevis").await;
    upload(&kari, &d, "/privat.txt", "en").await;
    let r = anna
        .post(
            "/api/v1/tenants/nordvik/legal-holds",
            &json!({"scope": {"folder": {"drive": KARI, "path": "/Bevis"}}, "reason": "Varslingssak", "case_ref": "V-9"}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.text());
    // A lockbox request for her drive, approved by another person.
    let r = anna
        .post(
            "/api/v1/lockbox/requests",
            &json!({"tenant": "nordvik", "scope": {"drive_of": KARI}, "actions": ["list"],
                    "reason": "Sletting etter GDPR art. 17, kontroll av det som beholdes", "case_ref": "V-9",
                    "minutes": 60}),
        )
        .await;
    assert!(r.status == 200 || r.status == 201, "{}", r.text());
    let request = r.json()["id"].as_str().expect("request id").to_string();
    let oda = s.login("oda.godkjenner@nordvik.test").await;
    let r = oda.post(&format!("/api/v1/lockbox/requests/{request}/approve"), &json!({"note": "Godkjent"})).await;
    assert!(r.status < 300, "{}", r.text());

    let erase = format!("/api/v1/tenants/nordvik/principals/{KARI}/erase");
    let dry = anna.post(&format!("{erase}?dry_run=true"), &json!({})).await;
    assert_eq!(dry.status, 200, "{}", dry.text());
    let dry = dry.json();
    let listed_under_grant = |recs: &[suveren_audit::Record]| {
        recs.iter()
            .filter(|r| r.action == "content.list" && r.acting_under.as_deref() == Some(request.as_str()))
            .count()
    };
    assert_eq!(listed_under_grant(&records(&s).await), 1, "seeing the names is recorded with the grant");
    let r = anna.post(&erase, &json!({})).await;
    assert_eq!(r.status, 200, "{}", r.text());
    let report = r.json();
    for r in [&dry, &report] {
        let kept = r["kept"].as_array().unwrap();
        assert_eq!(kept.len(), 1, "{r}");
        assert_eq!((kept[0]["path"].as_str(), kept[0]["case_ref"].as_str()), (Some("/Bevis/logg.txt"), Some("V-9")));
        assert_eq!(r["kept_counts"].as_array().map(Vec::len), Some(0), "{r}");
    }
    let recs = records(&s).await;
    assert_eq!(listed_under_grant(&recs), 2);
    let last = recs.iter().rev().find(|r| r.action == "principal.erase").expect("erasure recorded");
    assert!(last.reason.as_deref().unwrap().contains("/Bevis/logg.txt"), "{:?}", last.reason);
    assert!(s.app.store.node(&d, "/Bevis/logg.txt").await.unwrap().is_some());
    assert!(s.app.store.node(&d, "/privat.txt").await.unwrap().is_none());
}

/// The service as the demo seeding uses it: a principal acting without a
/// request.
fn ctx(app: &suveren_service::App, login: &str, action: suveren_policy::Action) -> suveren_service::Ctx {
    let p = app.snapshot().dir.principal_by_login(login).expect(login).clone();
    suveren_service::Ctx {
        actor: suveren_policy::Actor {
            principal: Some(p),
            mfa: true,
            via: suveren_policy::Via::Session,
            grants: Vec::new(),
        },
        action,
        client: None,
        request_id: "test".into(),
        session: None,
        note: None,
    }
}

#[tokio::test]
async fn a_restarted_server_resumes_the_pass_where_it_stopped() {
    use suveren_policy::Action;
    use suveren_service::drive::{DriveSel, WriteOpts};
    let data = tempfile::tempdir().unwrap();
    let app = suveren_service::App::open_embedded(data.path(), Default::default()).await.unwrap();
    app.seed_demo().await.unwrap();
    let write = ctx(&app, LARS, Action::ContentWrite);
    let place = app.place(&write, DriveSel::Personal(LARS)).await.unwrap();
    for i in 0..5 {
        let p = format!("/r{i}.txt");
        app.write(&write, &place, &p, &mut &b"x"[..], WriteOpts::default()).await.unwrap();
        app.delete(&ctx(&app, LARS, Action::ContentDelete), &place, &p).await.unwrap();
    }
    let later = now_ms() + 31 * DAY_MS;
    let first = app.retention_step(later, 2).await.unwrap();
    assert_eq!((first.purged, first.done), (2, false));
    let cursor = app.retention_cursor().await.unwrap().expect("saved cursor");
    // The server stops; a new one opens the same data folder.
    drop((place, app));
    let app = suveren_service::App::open_embedded(data.path(), Default::default()).await.unwrap();
    assert_eq!(app.retention_cursor().await.unwrap(), Some(cursor));
    let rest = app.run_retention(later).await.unwrap();
    assert_eq!((rest.purged, rest.done), (3, true));
    let place = app.place(&write, DriveSel::Personal(LARS)).await.unwrap();
    let list = ctx(&app, LARS, Action::ContentList);
    assert!(app.trash_list(&list, &place).await.unwrap().is_empty());
}
