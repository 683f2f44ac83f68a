//! The tenant's quota, set by the operator, held on every write that adds
//! bytes: REST PUT, tus, WebDAV PUT and copy, while the drive's own quota
//! still has room. The refusal says whose quota is full; deleting for good
//! frees room; a tenant without a quota is unlimited.

mod common;

use common::{Client, Resp, Server};
use reqwest::Method;
use serde_json::{json, Value};

const LARS: &str = "lars.laerer@nordvik.test";
const FULL: &str = "Nordvik kommune has used its ";

fn drive_id(s: &Server, login: &str) -> String {
    format!("p-{}", s.app.snapshot().dir.principal_by_login(login).expect(login).id)
}

async fn set_quota(s: &Server, tenant: &str, quota: Value) {
    let op = s.login("operator").await;
    let r = op.patch(&format!("/api/v1/tenants/{tenant}"), &json!({ "quota_bytes": quota })).await;
    assert_eq!(r.status, 200, "{}", r.text());
}

async fn put(c: &Client, drive: &str, path: &str, len: usize) -> Resp {
    let rb =
        c.req(Method::PUT, &format!("/api/v1/drives/{drive}/content")).query(&[("path", path)]).body(vec![7u8; len]);
    c.send(rb).await
}

async fn tenant_used(s: &Server, tenant: &str) -> u64 {
    s.app.store.tenant_used(tenant).await.unwrap()
}

/// Refused for the tenant's quota, as problem+json with the tenant's name.
fn tenant_full(r: &Resp) {
    let p = r.problem(507);
    assert_eq!(p["type"], "/problems/tenant-quota", "{p}");
    assert!(p["detail"].as_str().unwrap().starts_with(FULL), "{p}");
}

/// An app-password client for WebDAV.
async fn dav(s: &Server, login: &str) -> Client {
    let c = s.login(login).await;
    let r = c.post("/api/v1/me/app-passwords", &json!({"label": "dav"})).await;
    assert_eq!(r.status, 201, "{}", r.text());
    s.basic(login, r.json()["password"].as_str().expect("password"))
}

#[tokio::test]
async fn a_full_tenant_refuses_every_write_that_adds_bytes_while_the_drive_has_room() {
    let s = common::start().await;
    let lars = s.login(LARS).await;
    let d = drive_id(&s, LARS);
    // The running total is the sum of the tenant's drives.
    let used = tenant_used(&s, "nordvik").await;
    let rows = s.app.store.drives().await.unwrap();
    assert_eq!(used, rows.iter().filter(|r| r.tenant == "nordvik").map(|r| r.used).sum::<u64>());
    assert!(used > 0, "the demo tenant stores files");
    set_quota(&s, "nordvik", json!(used + 100_000)).await;

    assert_eq!(put(&lars, &d, "/a.bin", 60_000).await.status, 201);
    assert_eq!(tenant_used(&s, "nordvik").await, used + 60_000);
    // REST PUT: refused for the tenant, though his drive has room to spare.
    let r = put(&lars, &d, "/b.bin", 60_000).await;
    tenant_full(&r);
    let drive = s.app.store.drive(&d).await.unwrap().unwrap();
    let personal_quota = suveren_service::Settings::default().personal_quota.unwrap();
    assert!(drive.used + 60_000 < personal_quota, "the drive quota has room");
    let r = lars.send(lars.req(Method::GET, &format!("/api/v1/drives/{d}/content")).query(&[("path", "/b.bin")])).await;
    assert_eq!(r.status, 404, "nothing stored");
    assert_eq!(tenant_used(&s, "nordvik").await, used + 60_000);

    // tus: refused when it starts, before any byte is sent.
    use base64::Engine;
    let b64 = |v: &str| base64::engine::general_purpose::STANDARD.encode(v);
    let r = lars
        .send(
            lars.req(Method::POST, "/api/v1/uploads")
                .header("tus-resumable", "1.0.0")
                .header("upload-length", "60000")
                .header("upload-metadata", format!("drive {},path {}", b64(&d), b64("/Stor.bin"))),
        )
        .await;
    tenant_full(&r);

    // Copy: the copy's bytes count for the tenant too.
    let r = lars.post(&format!("/api/v1/drives/{d}/copy"), &json!({"from": "/a.bin", "to": "/kopi.bin"})).await;
    tenant_full(&r);
    // A move between drives of the tenant adds nothing, so it is not refused
    // for the tenant (a rename here).
    let r = lars.post(&format!("/api/v1/drives/{d}/move"), &json!({"from": "/a.bin", "to": "/a2.bin"})).await;
    assert_eq!(r.status, 200, "{}", r.text());

    // WebDAV PUT: 507 with the reason; the client is told the room left.
    let dc = dav(&s, LARS).await;
    let r = dc.send(dc.req(Method::PUT, &format!("/dav/files/{LARS}/dav.bin")).body(vec![1u8; 60_000])).await;
    assert_eq!(r.status, 507, "{}", r.text());
    assert!(r.text().contains(FULL), "{}", r.text());
    let r = dc
        .send(dc.req(Method::from_bytes(b"PROPFIND").unwrap(), &format!("/dav/files/{LARS}/")).header("depth", "0").body(
            r#"<?xml version="1.0"?><D:propfind xmlns:D="DAV:"><D:prop><D:quota-available-bytes/></D:prop></D:propfind>"#,
        ))
        .await;
    assert_eq!(r.status, 207, "{}", r.text());
    assert!(r.text().contains("quota-available-bytes>40000<"), "the tenant's room, not the drive's: {}", r.text());

    // Deleting moves to the trash, which still counts; emptying it frees room.
    let r =
        lars.send(lars.req(Method::DELETE, &format!("/api/v1/drives/{d}/items")).query(&[("path", "/a2.bin")])).await;
    assert_eq!(r.status, 200, "{}", r.text());
    let trash_id = r.json()["trash"]["id"].as_str().unwrap().to_string();
    tenant_full(&put(&lars, &d, "/b.bin", 60_000).await);
    let r = lars.send(lars.req(Method::DELETE, &format!("/api/v1/drives/{d}/trash/{trash_id}"))).await;
    assert_eq!(r.status, 204, "{}", r.text());
    assert_eq!(tenant_used(&s, "nordvik").await, used);
    assert_eq!(put(&lars, &d, "/b.bin", 60_000).await.status, 201);
}

#[tokio::test]
async fn racing_uploads_cannot_together_overshoot_the_tenant_quota() {
    let s = common::start().await;
    let lars = s.login(LARS).await;
    let d = drive_id(&s, LARS);
    let used = tenant_used(&s, "nordvik").await;
    let quota = used + 100_000;
    set_quota(&s, "nordvik", json!(quota)).await;
    // Each passes the early check alone; the store's check inside each
    // write's transaction lets only one of them in.
    let tries = (0..4).map(|i| {
        let (lars, d) = (&lars, d.clone());
        async move { put(lars, &d, &format!("/samtidig-{i}.bin"), 60_000).await }
    });
    let answers = futures_util::future::join_all(tries).await;
    let ok = answers.iter().filter(|r| r.status == 201).count();
    assert_eq!(ok, 1, "{:?}", answers.iter().map(|r| r.status).collect::<Vec<_>>());
    for r in answers.iter().filter(|r| r.status != 201) {
        tenant_full(r);
    }
    assert!(tenant_used(&s, "nordvik").await <= quota);
}

#[tokio::test]
async fn a_tenant_without_a_quota_is_unlimited() {
    let s = common::start().await;
    let lars = s.login(LARS).await;
    let d = drive_id(&s, LARS);
    let used = tenant_used(&s, "nordvik").await;
    set_quota(&s, "nordvik", json!(used + 1_000)).await;
    tenant_full(&put(&lars, &d, "/stor.bin", 200_000).await);
    // The operator removes the quota: the same upload goes through.
    set_quota(&s, "nordvik", Value::Null).await;
    assert!(s.app.snapshot().dir.tenants["nordvik"].quota_bytes.is_none());
    assert_eq!(put(&lars, &d, "/stor.bin", 200_000).await.status, 201);
    // Sørvik never had one; its bytes are counted all the same.
    assert!(s.app.snapshot().dir.tenants["sorvik"].quota_bytes.is_none());
    let erik = s.login("erik.ansatt@sorvik.test").await;
    let e = drive_id(&s, "erik.ansatt@sorvik.test");
    let before = tenant_used(&s, "sorvik").await;
    assert_eq!(put(&erik, &e, "/stor.bin", 300_000).await.status, 201);
    assert_eq!(tenant_used(&s, "sorvik").await, before + 300_000);
}
