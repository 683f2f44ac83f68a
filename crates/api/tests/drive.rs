//! The drive through WebDAV and REST on the demo installation: what a user,
//! an attacker probing across tenants, and a careless client would see.

mod common;

use common::{Client, Server};
use reqwest::Method;
use serde_json::{json, Value};

/// An app-password client for `login` (WebDAV accepts nothing else).
async fn dav(s: &Server, login: &str) -> Client {
    let c = s.login(login).await;
    let r = c.post("/api/v1/me/app-passwords", &json!({"label": "dav"})).await;
    assert_eq!(r.status, 201, "{}", r.text());
    s.basic(login, r.json()["password"].as_str().expect("password"))
}

fn m(name: &str) -> Method {
    Method::from_bytes(name.as_bytes()).expect("method")
}

async fn propfind(c: &Client, path: &str, depth: &str) -> common::Resp {
    c.send(c.req(m("PROPFIND"), path).header("depth", depth)).await
}

async fn put(c: &Client, path: &str, body: impl Into<reqwest::Body>) -> common::Resp {
    c.send(c.req(Method::PUT, path).body(body)).await
}

async fn get(c: &Client, path: &str) -> common::Resp {
    c.send(c.req(Method::GET, path)).await
}

fn drive_id(s: &Server, login: &str) -> String {
    format!("p-{}", s.app.snapshot().dir.principal_by_login(login).expect(login).id)
}

#[tokio::test]
async fn a_pupil_probing_another_municipality_gets_what_a_missing_path_gets() {
    let s = common::start().await;
    let per = dav(&s, "per.elev@nordvik.test").await;
    for method in ["PROPFIND", "GET", "PUT", "DELETE", "MKCOL", "LOCK"] {
        let probe = |p: &'static str| {
            let rb = per.req(m(method), p).header("depth", "1");
            async { per.send(rb).await }
        };
        let foreign = probe("/dav/files/sara.elev@sorvik.test/").await;
        let missing = probe("/dav/files/nobody.here@nordvik.test/").await;
        let colleague = probe("/dav/files/lars.laerer@nordvik.test/").await;
        assert_eq!(foreign.status, 404, "{method} on another tenant's drive");
        for r in [&missing, &colleague] {
            assert_eq!((r.status, r.body.clone()), (foreign.status, foreign.body.clone()), "{method}: same answer");
            assert_eq!(r.header("content-type"), foreign.header("content-type"));
        }
        let foreign_file = probe("/dav/files/sara.elev@sorvik.test/Matte/Oppgaver.txt").await;
        assert_eq!((foreign_file.status, foreign_file.body.clone()), (missing.status, missing.body.clone()));
    }
    // Team drives resolve in the caller's own tenant only.
    let r = propfind(&per, "/dav/drives/barnevern/", "0").await;
    let missing = propfind(&per, "/dav/drives/no-such-drive/", "0").await;
    assert_eq!((r.status, r.body.clone()), (missing.status, missing.body));
    // The refused probe on the foreign drive is in sorvik's audit log.
    let recs = s.app.store.audit_after("sorvik", 0, 10_000).await.unwrap();
    assert!(recs.iter().any(|r| r.actor == "per.elev@nordvik.test" && r.resource.contains(":personal/")));
}

#[tokio::test]
async fn webdav_round_trip_with_ranges_conditions_and_quota_properties() {
    let s = common::start().await;
    let lars = dav(&s, "lars.laerer@nordvik.test").await;
    let base = "/dav/files/lars.laerer@nordvik.test";
    let body: Vec<u8> = (0..200_000u32).map(|i| (i % 251) as u8).collect();
    let r = put(&lars, &format!("{base}/data.bin"), body.clone()).await;
    assert_eq!(r.status, 201, "{}", r.text());
    let etag = r.header("etag").expect("etag");
    assert_eq!(get(&lars, &format!("{base}/data.bin")).await.body, body);
    // A range decrypts only what it covers and answers 206.
    let r = lars.send(lars.req(Method::GET, &format!("{base}/data.bin")).header("range", "bytes=70000-70099")).await;
    assert_eq!(r.status, 206);
    assert_eq!(r.body, body[70000..70100]);
    // If-Match with a stale ETag: 412, nothing changed.
    let r =
        lars.send(lars.req(Method::PUT, &format!("{base}/data.bin")).header("if-match", "\"stale\"").body("x")).await;
    assert_eq!(r.status, 412);
    assert_eq!(get(&lars, &format!("{base}/data.bin")).await.body, body);
    let r = lars.send(lars.req(Method::PUT, &format!("{base}/data.bin")).header("if-match", etag).body("new")).await;
    assert_eq!(r.status, 204, "{}", r.text());
    // A zero-byte file is a file.
    assert_eq!(put(&lars, &format!("{base}/empty.txt"), Vec::<u8>::new()).await.status, 201);
    let r = get(&lars, &format!("{base}/empty.txt")).await;
    assert_eq!((r.status, r.body.len()), (200, 0));
    // Quota properties (RFC 4331).
    let r = lars
        .send(lars.req(m("PROPFIND"), &format!("{base}/")).header("depth", "0").body(
            r#"<?xml version="1.0"?><D:propfind xmlns:D="DAV:"><D:prop><D:quota-available-bytes/><D:quota-used-bytes/></D:prop></D:propfind>"#,
        ))
        .await;
    let t = r.text();
    assert_eq!(r.status, 207, "{t}");
    assert!(t.contains("quota-used-bytes>") && t.contains("quota-available-bytes>"), "{t}");
    // The overwritten content is a version.
    let id = drive_id(&s, "lars.laerer@nordvik.test");
    let c = s.login("lars.laerer@nordvik.test").await;
    let v = c.get(&format!("/api/v1/drives/{id}/versions?path=/data.bin")).await.json();
    assert_eq!(v["versions"].as_array().map(Vec::len), Some(1), "{v}");
}

#[tokio::test]
async fn traversal_and_malformed_names_are_refused_clearly() {
    let s = common::start().await;
    let lars = dav(&s, "lars.laerer@nordvik.test").await;
    let base = "/dav/files/lars.laerer@nordvik.test";
    for bad in ["%2e%2e/%2e%2e/etc/passwd", "a%2Fb.txt", "a%00b.txt", "a%5Cb.txt"] {
        let r = put(&lars, &format!("{base}/{bad}"), "x").await;
        assert!(matches!(r.status, 400 | 403 | 404), "{bad}: {} {}", r.status, r.text());
    }
    let long = "n".repeat(300);
    let r = put(&lars, &format!("{base}/{long}"), "x").await;
    assert_eq!(r.status, 403, "an overlong name");
    assert!(r.text().contains("255"), "the refusal says why: {}", r.text());
    // Nothing of that landed anywhere.
    let t = propfind(&lars, &format!("{base}/"), "infinity").await.text();
    assert!(!t.contains("passwd") && !t.contains("a%00") && !t.contains(&long[..50]), "{t}");
    // REST: `..` in a path is refused, not resolved.
    let id = drive_id(&s, "lars.laerer@nordvik.test");
    let c = s.login("lars.laerer@nordvik.test").await;
    let r = c.get(&format!("/api/v1/drives/{id}/items?path=/../../x")).await;
    assert_eq!(r.problem(422)["type"], "/problems/invalid");
}

#[tokio::test]
async fn another_users_lock_token_does_not_unlock_a_shared_folder() {
    let s = common::start().await;
    let lars = dav(&s, "lars.laerer@nordvik.test").await;
    // Another teacher of Nordvik skole, also in the teachers' drive.
    let snap = s.app.snapshot();
    let other = snap
        .dir
        .principals
        .values()
        .find(|p| p.groups.iter().any(|g| g == "nordvik:Lærere Nordvik skole") && p.login != "lars.laerer@nordvik.test")
        .expect("a second teacher")
        .login
        .clone();
    let pw = {
        let o = s.client();
        let r = o.post("/api/v1/auth/login", &s.login_body(&other).await).await;
        assert_eq!(r.status, 200, "{}", r.text());
        o.post("/api/v1/me/app-passwords", &json!({"label": "x"})).await.json()["password"]
            .as_str()
            .unwrap()
            .to_string()
    };
    let kari = s.basic(&other, &pw);
    let f = "/dav/drives/nordvik-skole-laerere/Planer/Årsplan 8. trinn.txt";
    let lock = r#"<?xml version="1.0"?><D:lockinfo xmlns:D="DAV:"><D:lockscope><D:exclusive/></D:lockscope><D:locktype><D:write/></D:locktype><D:owner>lars</D:owner></D:lockinfo>"#;
    let r = lars.send(lars.req(m("LOCK"), f).header("content-type", "application/xml").body(lock)).await;
    assert_eq!(r.status, 200, "{}", r.text());
    let token = r.header("lock-token").expect("lock token");
    // Without the token: locked. With lars's token but as someone else: locked.
    assert_eq!(put(&kari, f, "mine now").await.status, 423);
    let r = kari.send(kari.req(Method::PUT, f).header("if", format!("({token})")).body("mine now")).await;
    assert_eq!(r.status, 423, "someone else's token does not count");
    let r = kari.send(kari.req(m("UNLOCK"), f).header("lock-token", token.clone())).await;
    assert!(r.status >= 400, "only the lock's owner may unlock: {}", r.status);
    // A mismatched If header: precondition failed.
    let r = lars
        .send(lars.req(Method::PUT, f).header("if", "(<urn:uuid:00000000-0000-0000-0000-000000000000>)").body("x"))
        .await;
    assert!(matches!(r.status, 412 | 423), "{}", r.status);
    // The owner, with the token, writes.
    let r = lars.send(lars.req(Method::PUT, f).header("if", format!("({token})")).body("ny plan")).await;
    assert_eq!(r.status, 204, "{}", r.text());
    assert_eq!(get(&kari, f).await.text(), "ny plan");
}

#[tokio::test]
async fn restricted_content_cannot_be_linked_or_moved_down_and_says_why() {
    let s = common::start().await;
    let siri = s.login("siri.saksbehandler@nordvik.test").await;
    let f = "/Saker/2026-117 Bekymringsmelding.txt";
    let r = siri.post("/api/v1/drives/d-barnevern/shares", &json!({"path": f, "link": "view"})).await;
    let p = r.problem(403);
    assert_eq!(p["rule"], "classification");
    assert_eq!(p["detail"], "Strengt fortrolig content cannot be shared by link.");
    assert_eq!(p["code"], "deny-link-level", "the message id, for clients in other languages");
    // Sharing with a colleague in Nordvik is allowed; with a pupil's
    // barrier or another municipality it is not (they are not discoverable,
    // or the level keeps it inside).
    let r = siri
        .post("/api/v1/drives/d-barnevern/shares", &json!({"path": f, "principal": "lars.laerer@nordvik.test"}))
        .await;
    assert_eq!(r.status, 201, "{}", r.text());
    let r = siri
        .post("/api/v1/drives/d-barnevern/shares", &json!({"path": f, "principal": "erik.ansatt@sorvik.test"}))
        .await;
    let p = r.problem(403);
    assert_eq!(p["detail"], "Strengt fortrolig content cannot be shared outside Nordvik kommune.");
    // Restricted needs a second factor: lars (none enrolled) neither sees it
    // under "shared with me" nor opens it, and is told why.
    let lars = s.login("lars.laerer@nordvik.test").await;
    assert_eq!(lars.get("/api/v1/me/shared-with-me").await.json()["shared"], json!([]));
    let r = lars.get(&format!("/api/v1/drives/d-barnevern/content?path={}", urlencode(f))).await;
    assert_eq!(r.problem(403)["rule"], "classification");
    // oda signs in with TOTP: once shared, she finds it and reads it, and
    // cannot change it.
    let r = siri
        .post("/api/v1/drives/d-barnevern/shares", &json!({"path": f, "principal": "oda.godkjenner@nordvik.test"}))
        .await;
    assert_eq!(r.status, 201, "{}", r.text());
    let share_id = r.json()["id"].as_str().unwrap().to_string();
    let oda = s.login("oda.godkjenner@nordvik.test").await;
    let shared = oda.get("/api/v1/me/shared-with-me").await.json();
    assert_eq!(shared["shared"][0]["item"]["path"], f, "{shared}");
    let r = oda.get(&format!("/api/v1/drives/d-barnevern/content?path={}", urlencode(f))).await;
    assert_eq!(r.status, 200, "{}", r.text());
    assert!(r.text().starts_with("Bekymringsmelding"));
    let r = oda
        .send(oda.req(Method::PUT, &format!("/api/v1/drives/d-barnevern/content?path={}", urlencode(f))).body("x"))
        .await;
    assert_eq!(r.problem(403)["rule"], "role");
    // Revoked: gone at once.
    assert_eq!(siri.send(siri.req(Method::DELETE, &format!("/api/v1/shares/{share_id}"))).await.status, 204);
    let r = oda.get(&format!("/api/v1/drives/d-barnevern/content?path={}", urlencode(f))).await;
    assert_eq!(r.status, 404);
    // Moving case files into siri's Internal personal drive: refused, then
    // done explicitly as a declassification by an owner, and audited.
    let own = drive_id(&s, "siri.saksbehandler@nordvik.test");
    let body = json!({"from": f, "to": "/Bekymringsmelding.txt", "to_drive": own});
    let p = siri.post("/api/v1/drives/d-barnevern/copy", &body).await.problem(403);
    assert_eq!(p["rule"], "classification");
    assert!(p["detail"].as_str().unwrap().contains("declassify"), "{p}");
    let mut body = body;
    body["declassify"] = json!(true);
    let r = siri.post("/api/v1/drives/d-barnevern/copy", &body).await;
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(r.json()["item"]["level"], 1);
    let recs = s.app.store.audit_after("nordvik", 0, 100_000).await.unwrap();
    assert!(recs.iter().any(|r| r.action == "content.declassify" && r.actor == "siri.saksbehandler@nordvik.test"));
}

#[tokio::test]
async fn a_full_drive_refuses_with_507_and_loses_nothing() {
    let s = common::start().await;
    let anna = s.login("anna.admin@nordvik.test").await;
    let lars_id = s.app.snapshot().dir.principal_by_login("lars.laerer@nordvik.test").unwrap().id.clone();
    let r = anna
        .post(
            "/api/v1/tenants/nordvik/drives",
            &json!({"name": "Liten", "slug": "liten", "level": 1, "quota": 100_000,
                    "members": [{"principal": "lars.laerer@nordvik.test", "role": "editor"}]}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.text());
    let _ = lars_id;
    let lars = dav(&s, "lars.laerer@nordvik.test").await;
    assert_eq!(put(&lars, "/dav/drives/liten/a.bin", vec![1u8; 60_000]).await.status, 201);
    let r = put(&lars, "/dav/drives/liten/b.bin", vec![2u8; 60_000]).await;
    assert_eq!(r.status, 507, "{}", r.text());
    assert!(r.text().contains("full"), "{}", r.text());
    assert_eq!(get(&lars, "/dav/drives/liten/b.bin").await.status, 404, "no partial file");
    assert_eq!(get(&lars, "/dav/drives/liten/a.bin").await.body, vec![1u8; 60_000]);
    // An admin cannot make themselves a member of a Restricted drive.
    let r = anna
        .send(anna.req(Method::PATCH, "/api/v1/tenants/nordvik/drives/d-barnevern").json(&json!({
            "members": [{"group": "Barnevern", "role": "owner"}, {"principal": "anna.admin@nordvik.test", "role": "viewer"}]
        })))
        .await;
    assert_eq!(r.problem(403)["rule"], "lockbox");
}

#[tokio::test]
async fn listing_trash_restore_and_the_change_feed() {
    let s = common::start().await;
    let c = s.login("lars.laerer@nordvik.test").await;
    let id = drive_id(&s, "lars.laerer@nordvik.test");
    let feed0 = c.get(&format!("/api/v1/drives/{id}/changes")).await.json();
    let token = feed0["next"].as_str().unwrap().to_string();
    assert_eq!(c.post(&format!("/api/v1/drives/{id}/folders"), &json!({"path": "/Mappe"})).await.status, 201);
    for i in 0..5 {
        let r = c
            .send(c.req(Method::PUT, &format!("/api/v1/drives/{id}/content?path=/Mappe/f{i}.txt")).body(format!("{i}")))
            .await;
        assert_eq!(r.status, 201, "{}", r.text());
    }
    let l = c.get(&format!("/api/v1/drives/{id}/items?path=/Mappe")).await.json();
    assert_eq!(l["children"].as_array().map(Vec::len), Some(5), "{l}");
    let r = c.send(c.req(Method::DELETE, &format!("/api/v1/drives/{id}/items?path=/Mappe"))).await;
    assert_eq!(r.status, 200);
    let trash_id = r.json()["trash"]["id"].as_str().unwrap().to_string();
    assert_eq!(c.get(&format!("/api/v1/drives/{id}/items?path=/Mappe")).await.status, 404);
    let feed = c.get(&format!("/api/v1/drives/{id}/changes?since={token}")).await.json();
    let kinds: Vec<&str> = feed["changes"].as_array().unwrap().iter().map(|c| c["kind"].as_str().unwrap()).collect();
    assert_eq!(kinds, ["create", "create", "create", "create", "create", "create", "delete"], "{feed}");
    let r = c.post(&format!("/api/v1/drives/{id}/trash/{trash_id}/restore"), &json!({})).await;
    assert_eq!(r.status, 200, "{}", r.text());
    let l = c.get(&format!("/api/v1/drives/{id}/items?path=/Mappe")).await.json();
    assert_eq!(l["children"].as_array().map(Vec::len), Some(5), "the folder comes back whole: {l}");
    let next = c.get(&format!("/api/v1/drives/{id}/changes?since={}", feed["next"].as_str().unwrap())).await.json();
    assert_eq!(next["changes"][0]["kind"], "restore");
    let _: Value = next;
}

fn urlencode(s: &str) -> String {
    s.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-_./".contains(&b) {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

#[tokio::test]
async fn links_follow_the_level_and_their_mode_and_search_shows_only_what_may_be_read() {
    let s = common::start().await;
    let anna = s.login("anna.admin@nordvik.test").await;
    let r = anna
        .post(
            "/api/v1/tenants/nordvik/drives",
            &json!({"name": "Åpent", "slug": "apent", "level": 0,
                    "members": [{"principal": "lars.laerer@nordvik.test", "role": "owner"}]}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.text());
    let d = r.json()["id"].as_str().unwrap().to_string();
    let lars = s.login("lars.laerer@nordvik.test").await;
    assert_eq!(lars.post(&format!("/api/v1/drives/{d}/folders"), &json!({"path": "/Innlevering"})).await.status, 201);
    let r = lars
        .send(lars.req(Method::PUT, &format!("/api/v1/drives/{d}/content?path=/Meny.txt")).body("Fiskesuppe"))
        .await;
    assert_eq!(r.status, 201);
    // A view link with a password and an expiry.
    let exp = common::unix_now() + 3600;
    let r = lars
        .post(
            &format!("/api/v1/drives/{d}/shares"),
            &json!({"path": "/Meny.txt", "link": "view", "password": "suppe-2026", "expires": exp}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.text());
    let token = r.json()["token"].as_str().unwrap().to_string();
    let anon = s.client();
    let r = anon.get(&format!("/api/v1/links/{token}/content")).await;
    assert_eq!(r.problem(401)["type"], "/problems/unauthenticated", "the password is asked for");
    let r = anon
        .send(anon.req(Method::GET, &format!("/api/v1/links/{token}/content")).header("x-link-password", "suppe-2026"))
        .await;
    assert_eq!((r.status, r.text()), (200, "Fiskesuppe".to_string()));
    let r = anon
        .send(anon.req(Method::GET, &format!("/api/v1/links/{token}/content")).header("x-link-password", "feil"))
        .await;
    assert_eq!(r.status, 401);
    // An upload link: anyone with it adds files, sees none.
    let r = lars.post(&format!("/api/v1/drives/{d}/shares"), &json!({"path": "/Innlevering", "link": "upload"})).await;
    let up = r.json()["token"].as_str().unwrap().to_string();
    let r = anon.send(anon.req(Method::PUT, &format!("/api/v1/links/{up}/files/oppgave.txt")).body("svar")).await;
    assert_eq!(r.status, 201, "{}", r.text());
    let r =
        anon.send(anon.req(Method::PUT, &format!("/api/v1/links/{up}/files/oppgave.txt")).body("overskrevet")).await;
    assert!(r.status == 409 || r.status == 412, "an upload link never replaces: {}", r.status);
    let r = anon.get(&format!("/api/v1/links/{up}/content?path=oppgave.txt")).await;
    assert_eq!(r.status, 403, "an upload link does not read");
    let r = lars.get(&format!("/api/v1/drives/{d}/content?path=/Innlevering/oppgave.txt")).await;
    assert_eq!(r.text(), "svar");
    // Raising the file to Internal ends its link at once.
    let r = lars
        .send(
            lars.req(Method::PUT, &format!("/api/v1/drives/{d}/level")).json(&json!({"path": "/Meny.txt", "level": 1})),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text());
    let r = anon
        .send(anon.req(Method::GET, &format!("/api/v1/links/{token}/content")).header("x-link-password", "suppe-2026"))
        .await;
    assert_eq!(r.status, 404, "the level no longer allows links");
    // Lowering it again takes an owner, explicitly; a viewer could not.
    let r = lars
        .send(
            lars.req(Method::PUT, &format!("/api/v1/drives/{d}/level")).json(&json!({"path": "/Meny.txt", "level": 0})),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text());

    // Search: lars finds his own files and the teachers' drive, never
    // Barnevern's case files; siri (with her second factor) does.
    let hits = lars.get("/api/v1/search/files?q=meny").await.json();
    assert_eq!(hits["results"][0]["path"], "/Meny.txt", "{hits}");
    let hits = lars.get("/api/v1/search/files?q=bekymringsmelding").await.json();
    assert_eq!(hits["results"], json!([]));
    let siri = s.login("siri.saksbehandler@nordvik.test").await;
    let hits = siri.get("/api/v1/search/files?q=bekymringsmelding").await.json();
    assert_eq!(hits["results"][0]["drive"], "d-barnevern", "{hits}");
    let per = s.login("per.elev@nordvik.test").await;
    assert_eq!(per.get("/api/v1/search/files?q=plan").await.json()["results"], json!([]), "per sees no teacher's plan");
}
