//! The lockbox on the demo installation (trust-model rule 4): an operator
//! and a tenant administrator get read access to a user's files only
//! through a reviewed, time-boxed grant, WebDAV and REST alike, and every
//! step is in the tenant's verifiable audit log.

mod common;

use common::{Client, Server};
use reqwest::Method;
use serde_json::{json, Value};

const SIRI: &str = "siri.saksbehandler@nordvik.test";
const SIRI_DAV: &str = "/dav/files/siri.saksbehandler@nordvik.test/";

async fn dav(s: &Server, c: &Client, login: &str) -> Client {
    let r = c.post("/api/v1/me/app-passwords", &json!({"label": "lockbox"})).await;
    assert_eq!(r.status, 201, "{}", r.text());
    s.basic(login, r.json()["password"].as_str().expect("password"))
}

async fn propfind(c: &Client, path: &str) -> common::Resp {
    c.send(c.req(Method::from_bytes(b"PROPFIND").unwrap(), path).header("depth", "1")).await
}

fn request_body(scope: Value) -> Value {
    json!({
        "tenant": "nordvik",
        "scope": scope,
        "actions": ["list", "read"],
        "reason": "Siri cannot open her notes; support case",
        "case_ref": "SAK-2026-0042",
        "minutes": 60,
    })
}

async fn file(c: &Client, body: &Value) -> String {
    let r = c.post("/api/v1/lockbox/requests", body).await;
    assert_eq!(r.status, 201, "{}", r.text());
    assert_eq!(r.json()["status"], "pending");
    r.json()["id"].as_str().expect("id").to_string()
}

async fn act(c: &Client, id: &str, what: &str, note: &str) -> common::Resp {
    c.post(&format!("/api/v1/lockbox/requests/{id}/{what}"), &json!({"note": note})).await
}

#[tokio::test]
async fn operator_reads_siris_files_only_while_an_approved_grant_lives() {
    let s = common::start().await;
    let op = s.login("operator").await;
    let op_dav = dav(&s, &op, "operator").await;
    // Before: the same answer as a path that does not exist.
    let before = propfind(&op_dav, SIRI_DAV).await;
    let missing = propfind(&op_dav, "/dav/files/nobody.at.all@nordvik.test/").await;
    assert_eq!(before.status, 404);
    assert_eq!((before.status, before.body.clone()), (missing.status, missing.body.clone()));

    let id = file(&op, &request_body(json!({"drive_of": SIRI}))).await;
    // Filing alone opens nothing.
    assert_eq!(propfind(&op_dav, SIRI_DAV).await.status, 404);

    let oda = s.login("oda.godkjenner@nordvik.test").await;
    let queue = oda.get("/api/v1/lockbox/requests").await.json();
    let mine = queue["requests"].as_array().unwrap().iter().find(|r| r["id"] == id.as_str()).expect("in queue");
    assert_eq!(mine["scope_text"], format!("the personal files of {SIRI}"));
    let r = act(&oda, &id, "approve", "Reason and case checked against SAK-2026-0042").await;
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(r.json()["status"], "active");

    // The open WebDAV client now lists and reads, with its own credentials.
    let r = propfind(&op_dav, SIRI_DAV).await;
    assert_eq!(r.status, 207, "{}", r.text());
    assert!(r.text().contains("Notater.txt"));
    let r = op_dav.get("/dav/files/siri.saksbehandler@nordvik.test/Notater.txt").await;
    assert_eq!((r.status, r.text()), (200, "Husk veiledning torsdag.\n".to_string()));
    // Not write, with the reason.
    let r = op_dav
        .send(op_dav.req(Method::PUT, "/dav/files/siri.saksbehandler@nordvik.test/Notater.txt").body("changed"))
        .await;
    assert_eq!(r.status, 403, "{}", r.text());
    assert!(r.text().contains("allows list and read only"), "{}", r.text());
    // And nowhere else.
    for other in ["/dav/files/lars.laerer@nordvik.test/", "/dav/drives/barnevern/", "/dav/files/sara.elev@sorvik.test/"]
    {
        assert_eq!(propfind(&op_dav, other).await.status, 404, "{other}");
    }
    // Siri is told.
    let siri = s.login(SIRI).await;
    let n = siri.get("/api/v1/me/notices").await.json();
    let n = &n["notices"][0];
    assert_eq!(n["request"], id.as_str());
    assert!(n["text"].as_str().unwrap().contains("operator was allowed to list and read"), "{n}");

    let r = act(&oda, &id, "revoke", "Case closed").await;
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(r.json()["status"], "revoked");
    // The very next request of the same open client is refused again.
    let after = propfind(&op_dav, SIRI_DAV).await;
    assert_eq!((after.status, after.body.clone()), (missing.status, missing.body.clone()));
    assert_eq!(op_dav.get("/dav/files/siri.saksbehandler@nordvik.test/Notater.txt").await.status, 404);

    // The tenant's audit log shows the request, the approval, each access
    // with the request id and the revocation, and the chain verifies.
    let recs = s.app.store.audit_after("nordvik", 0, 100_000).await.unwrap();
    let res = format!("lockbox:{id}");
    for action in ["lockbox.request", "lockbox.approve", "lockbox.revoke"] {
        assert!(recs.iter().any(|r| r.action == action && r.resource == res), "{action} recorded");
    }
    let under: Vec<_> = recs.iter().filter(|r| r.acting_under.as_deref() == Some(id.as_str())).collect();
    assert!(under.iter().any(|r| r.action == "content.list" && r.actor == "operator"), "listing recorded");
    assert!(under.iter().any(|r| r.action == "content.read" && r.resource.ends_with("/Notater.txt")), "read recorded");
    let export = op.get("/api/v1/tenants/nordvik/audit/export").await;
    assert_eq!(export.status, 404, "the operator cannot read nordvik's log");
    let anna = s.login("anna.admin@nordvik.test").await;
    let export = anna.get("/api/v1/tenants/nordvik/audit/export").await;
    assert_eq!(export.status, 200, "{}", export.text());
    let report = suveren_audit::verify_export(export.text().as_bytes(), None).expect("export verifies");
    assert!(report.records as usize >= recs.len());
    // The operator realm's own log has the operator's side too.
    let own = s.app.store.audit_after(suveren_domain::OPERATOR_REALM, 0, 100_000).await.unwrap();
    assert!(own.iter().any(|r| r.action == "lockbox.request" && r.resource == res));
}

#[tokio::test]
async fn a_tenant_admin_follows_the_same_path_through_rest() {
    let s = common::start().await;
    let anna = s.login("anna.admin@nordvik.test").await;
    let siri_drive = format!("p-{}", s.app.snapshot().dir.principal_by_login(SIRI).unwrap().id);
    let items = format!("/api/v1/drives/{siri_drive}/items?path=/");
    assert_eq!(anna.get(&items).await.status, 404);
    let id = file(&anna, &request_body(json!({"drive_of": SIRI}))).await;
    let oda = s.login("oda.godkjenner@nordvik.test").await;
    // Withholding the notice needs a reason, and it is recorded.
    let r = oda
        .post(
            &format!("/api/v1/lockbox/requests/{id}/approve"),
            &json!({"note": "checked", "withhold_notice": "Investigation of the account holder"}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(r.json()["withheld_reason"], "Investigation of the account holder");
    let r = anna.get(&items).await;
    assert_eq!(r.status, 200, "{}", r.text());
    assert!(r.text().contains("Notater.txt"));
    let r = anna.get(&format!("/api/v1/drives/{siri_drive}/content?path=/Notater.txt")).await;
    assert_eq!(r.status, 200);
    let r =
        anna.send(anna.req(Method::PUT, &format!("/api/v1/drives/{siri_drive}/content?path=/x.txt")).body("x")).await;
    assert_eq!(r.status, 403, "{}", r.text());
    let siri = s.login(SIRI).await;
    assert_eq!(siri.get("/api/v1/me/notices").await.json()["notices"], json!([]), "withheld");
    // The requester may give the grant up early.
    assert_eq!(act(&anna, &id, "revoke", "Done early").await.status, 200);
    assert_eq!(anna.get(&items).await.status, 404);
    // Requesters see their own requests, with the review.
    let list = anna.get("/api/v1/lockbox/requests").await.json();
    let r = &list["requests"][0];
    assert_eq!((r["id"].as_str(), r["status"].as_str()), (Some(id.as_str()), Some("revoked")));
    assert_eq!(r["reviews"][0]["by"], "oda.godkjenner@nordvik.test");
}

#[tokio::test]
async fn refusals_are_clear_and_audited() {
    let s = common::start().await;
    let anna = s.login("anna.admin@nordvik.test").await;
    let op = s.login("operator").await;

    // Scopes naming other tenants read like scopes naming nobody.
    let foreign =
        op.post("/api/v1/lockbox/requests", &request_body(json!({"drive_of": "sara.elev@sorvik.test"}))).await;
    let nobody = op.post("/api/v1/lockbox/requests", &request_body(json!({"drive_of": "nobody@nordvik.test"}))).await;
    assert_eq!(foreign.status, 422);
    assert_eq!(foreign.problem(422)["detail"], "sara.elev@sorvik.test is not a principal of Nordvik kommune.");
    assert_eq!(nobody.problem(422)["detail"], "nobody@nordvik.test is not a principal of Nordvik kommune.");
    let r = op.post("/api/v1/lockbox/requests", &request_body(json!({"folder": "drives/no-such/x"}))).await;
    assert_eq!(r.status, 422);
    // A tenant admin cannot file for another tenant: as if it did not exist.
    let mut other = request_body(json!({"drive_of": "sara.elev@sorvik.test"}));
    other["tenant"] = json!("sorvik");
    let a = anna.post("/api/v1/lockbox/requests", &other).await;
    other["tenant"] = json!("no-such-tenant");
    let b = anna.post("/api/v1/lockbox/requests", &other).await;
    assert_eq!((a.status, a.body.clone()), (b.status, b.body.clone()));
    assert_eq!(a.status, 404);
    // Durations over the tenant's maximum.
    let mut long = request_body(json!({"drive_of": SIRI}));
    long["minutes"] = json!(241);
    let r = op.post("/api/v1/lockbox/requests", &long).await;
    assert!(r.problem(422)["detail"].as_str().unwrap().contains("240 minutes"), "{}", r.text());
    // Write is never a lockbox action.
    let mut write = request_body(json!({"drive_of": SIRI}));
    write["actions"] = json!(["read", "write"]);
    assert_eq!(op.post("/api/v1/lockbox/requests", &write).await.status, 422);
    // Members file nothing.
    let lars = s.login("lars.laerer@nordvik.test").await;
    let r = lars.post("/api/v1/lockbox/requests", &request_body(json!({"drive_of": SIRI}))).await;
    assert_eq!(r.status, 403, "{}", r.text());

    // Approving one's own request: oda made a tenant admin files one.
    let r = anna
        .patch(
            "/api/v1/tenants/nordvik/principals/oda.godkjenner@nordvik.test",
            &json!({"roles": ["lockbox_approver", "tenant_admin"]}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text());
    let oda = s.login("oda.godkjenner@nordvik.test").await;
    let own = file(&oda, &request_body(json!({"drive_of": SIRI}))).await;
    let r = act(&oda, &own, "approve", "fine").await;
    assert_eq!(r.problem(403)["detail"], "You filed this request; another approver must decide it.");

    // Approving twice (two of two needed), approving a revoked request.
    let r = anna
        .patch(
            "/api/v1/tenants/nordvik/principals/anna.admin@nordvik.test",
            &json!({"roles": ["tenant_admin", "auditor", "lockbox_approver"]}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text());
    // A change of roles signs the account out everywhere.
    let anna = s.login("anna.admin@nordvik.test").await;
    let r = anna
        .put(
            "/api/v1/tenants/nordvik/lockbox-settings",
            &json!({"approvers": ["oda.godkjenner@nordvik.test", "anna.admin@nordvik.test"], "required": 2,
                    "max_minutes": 240, "pending_minutes": 720, "notify_users": true}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text());
    let bad = anna
        .put(
            "/api/v1/tenants/nordvik/lockbox-settings",
            &json!({"approvers": ["oda.godkjenner@nordvik.test"], "required": 2}),
        )
        .await;
    assert_eq!(bad.status, 422, "{}", bad.text());
    let id = file(&op, &request_body(json!({"drive_of": SIRI}))).await;
    assert_eq!(act(&oda, &id, "approve", "checked").await.json()["status"], "pending");
    let r = act(&oda, &id, "approve", "again").await;
    assert_eq!(r.problem(409)["detail"], "You have already decided this request.");
    assert_eq!(act(&op, &id, "revoke", "withdrawn").await.json()["status"], "revoked");
    let r = act(&anna, &id, "approve", "late").await;
    assert_eq!(r.problem(409)["detail"], "This request is revoked and can no longer be decided.");
    // A member cannot decide; another tenant's admin guessing ids gets 404,
    // exactly as for an id that does not exist.
    assert_eq!(act(&lars, &id, "approve", "x").await.status, 404);
    let sofie = s.login("sofie.admin@sorvik.test").await;
    let guess = sofie.get(&format!("/api/v1/lockbox/requests/{id}")).await;
    let random = sofie.get("/api/v1/lockbox/requests/00000000000000000000000000000000").await;
    assert_eq!((guess.status, guess.body.clone()), (random.status, random.body.clone()));
    assert_eq!(guess.status, 404);
    assert_eq!(act(&sofie, &id, "approve", "x").await.status, 404);

    // Every refusal is in the caller's chain; those touching nordvik in
    // nordvik's chain too.
    let nordvik = s.app.store.audit_after("nordvik", 0, 100_000).await.unwrap();
    let denied = |actor: &str, action: &str| {
        nordvik.iter().any(|r| r.actor == actor && r.action == action && r.decision == suveren_audit::Outcome::Deny)
    };
    assert!(denied("operator", "lockbox.request"), "bad scope audited");
    assert!(denied("oda.godkjenner@nordvik.test", "lockbox.approve"), "own / twice audited");
    assert!(denied("anna.admin@nordvik.test", "lockbox.approve"), "approving a revoked request audited");
    assert!(denied("sofie.admin@sorvik.test", "lockbox.approve"), "the guess is in nordvik's log");
    let sorvik = s.app.store.audit_after("sorvik", 0, 100_000).await.unwrap();
    assert!(sorvik.iter().any(|r| r.actor == "sofie.admin@sorvik.test"
        && r.action == "lockbox.view"
        && r.decision == suveren_audit::Outcome::Deny
        && r.resource == "lockbox:00000000000000000000000000000000"));
}

#[tokio::test]
async fn requests_and_grants_expire_on_a_paused_clock() {
    let s = common::start().await;
    let t0 = common::unix_now() as i64;
    s.app.clock.pause_at(t0);
    let op = s.login("operator").await;
    let oda = s.login("oda.godkjenner@nordvik.test").await;
    let siri_drive = format!("p-{}", s.app.snapshot().dir.principal_by_login(SIRI).unwrap().id);
    let items = format!("/api/v1/drives/{siri_drive}/items?path=/");

    // Unanswered for 12 hours: lapsed, and cannot be approved.
    let stale = file(&op, &request_body(json!({"drive_of": SIRI}))).await;
    s.app.clock.advance(12 * 3600);
    let r = act(&oda, &stale, "approve", "late").await;
    assert_eq!(r.problem(409)["detail"], "This request is expired and can no longer be decided.");
    assert_eq!(op.get(&format!("/api/v1/lockbox/requests/{stale}")).await.json()["status"], "expired");

    // A one-hour grant works for 59:59 and not at 60:00.
    let id = file(&op, &request_body(json!({"folder": "files/siri.saksbehandler@nordvik.test/"}))).await;
    assert_eq!(act(&oda, &id, "approve", "ok").await.status, 200);
    assert_eq!(op.get(&items).await.status, 200);
    s.app.clock.advance(3599);
    assert_eq!(op.get(&items).await.status, 200);
    s.app.clock.advance(1);
    assert_eq!(op.get(&items).await.status, 404);
    assert_eq!(op.get(&format!("/api/v1/lockbox/requests/{id}")).await.json()["status"], "expired");
    let r = act(&oda, &id, "revoke", "too late").await;
    assert_eq!(r.problem(409)["detail"], "This request is expired; there is nothing to revoke.");
    // The upkeep closes both with a record in nordvik's log, once.
    assert_eq!(s.app.lockbox_expire().await.unwrap(), 2);
    assert_eq!(s.app.lockbox_expire().await.unwrap(), 0);
    let recs = s.app.store.audit_after("nordvik", 0, 100_000).await.unwrap();
    for (req, why) in [(&stale, "lapsed without a decision"), (&id, "grant ran out")] {
        let res = format!("lockbox:{req}");
        assert!(recs
            .iter()
            .any(|r| r.action == "lockbox.expire" && r.resource == res && r.reason.as_deref() == Some(why)));
    }
}

#[tokio::test]
async fn a_folder_grant_opens_that_folder_only() {
    let s = common::start().await;
    let op = s.login("operator").await;
    let oda = s.login("oda.godkjenner@nordvik.test").await;
    let id = file(&op, &request_body(json!({"folder": "/dav/drives/nordvik-skole-laerere/Planer"}))).await;
    assert_eq!(act(&oda, &id, "approve", "ok").await.status, 200);
    let d = s.app.drives().team_drives("nordvik").into_iter().find(|d| d.slug == "nordvik-skole-laerere").unwrap();
    let inside = op.get(&format!("/api/v1/drives/{}/items?path=/Planer", d.id)).await;
    assert_eq!(inside.status, 200, "{}", inside.text());
    assert!(inside.text().contains("Årsplan 8. trinn.txt"));
    assert_eq!(op.get(&format!("/api/v1/drives/{}/items?path=/Vurdering", d.id)).await.status, 404);
    assert_eq!(op.get(&format!("/api/v1/drives/{}/items?path=/", d.id)).await.status, 404);
    // Over WebDAV too, by the drive's URL name in nordvik.
    let op_dav = dav(&s, &op, "operator").await;
    let r = propfind(&op_dav, "/dav/drives/nordvik-skole-laerere/Planer/").await;
    assert_eq!(r.status, 207, "{}", r.text());
    assert!(r.text().contains("rsplan"));
    assert_eq!(propfind(&op_dav, "/dav/drives/nordvik-skole-laerere/Vurdering/").await.status, 404);
    assert_eq!(propfind(&op_dav, "/dav/drives/barnevern/").await.status, 404);
}

#[tokio::test]
async fn an_admin_cannot_import_herself_into_a_confidential_drive() {
    let s = common::start().await;
    let anna = s.login("anna.admin@nordvik.test").await;
    assert_eq!(anna.post("/api/v1/tenants/nordvik/groups", &json!({"name": "tilsyn"})).await.status, 201);
    let r = anna
        .post(
            "/api/v1/tenants/nordvik/drives",
            &json!({"name": "Tilsyn", "slug": "tilsyn", "level": 2, "members": [{"group": "tilsyn", "role": "viewer"}]}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.text());
    let csv = "login,name,email,kind,org_unit,groups,roles\n\
               anna.admin@nordvik.test,Anna Admin,,employee,Administrasjon,tilsyn,tenant_admin;auditor\n\
               lars.laerer@nordvik.test,Lars Lærer,,employee,Skole/Nordvik skole,tilsyn,\n";
    let r = anna
        .send(anna.req(Method::POST, "/api/v1/tenants/nordvik/import").header("content-type", "text/csv").body(csv))
        .await;
    assert_eq!(r.status, 200, "{}", r.text());
    let report = r.json();
    let errors = report["errors"].as_array().expect("errors");
    assert_eq!(errors.len(), 1, "{report}");
    assert_eq!(errors[0]["line"], 2);
    assert!(errors[0]["message"].as_str().unwrap().contains("cannot give yourself access to Tilsyn"), "{report}");
    // Nothing was written: lars is not in the group either.
    let lars = s.app.snapshot().dir.principal_by_login("lars.laerer@nordvik.test").unwrap().clone();
    assert!(!lars.groups.iter().any(|g| g == "nordvik:tilsyn"));
}
