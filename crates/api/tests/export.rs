//! GDPR export (Art. 15 and 20) on the demo installation: what a person
//! gets about themselves, what an administrator gets without a lockbox
//! grant and with one, and what another tenant's administrator learns.

mod common;

use std::collections::BTreeMap;
use std::io::Read;

use reqwest::Method;
use serde_json::{json, Value};
use sha2::{Digest, Sha256};

const SIRI: &str = "siri.saksbehandler@nordvik.test";

/// Every entry of a ZIP archive by name, read with the `zip` crate.
fn unzip(bytes: &[u8]) -> BTreeMap<String, Vec<u8>> {
    let mut z = zip::ZipArchive::new(std::io::Cursor::new(bytes)).expect("a readable zip archive");
    let mut out = BTreeMap::new();
    for i in 0..z.len() {
        let mut f = z.by_index(i).expect("entry");
        let mut buf = Vec::new();
        f.read_to_end(&mut buf).expect("entry reads to its end (CRC checked)");
        out.insert(f.name().expect("a UTF-8 entry name").to_string(), buf);
    }
    out
}

fn manifest(entries: &BTreeMap<String, Vec<u8>>) -> Value {
    serde_json::from_slice(entries.get("manifest.json").expect("manifest.json in the archive")).expect("manifest JSON")
}

fn file<'a>(m: &'a Value, original: &str) -> &'a Value {
    m["files"]
        .as_array()
        .expect("files")
        .iter()
        .find(|f| f["original_path"] == original)
        .unwrap_or_else(|| panic!("{original} listed in the manifest: {}", m["files"]))
}

fn sha(b: &[u8]) -> String {
    hex::encode(Sha256::digest(b))
}

fn contains(hay: &[u8], needle: &str) -> bool {
    !needle.is_empty() && hay.windows(needle.len()).any(|w| w == needle.as_bytes())
}

#[tokio::test]
async fn a_person_exports_their_files_account_and_audit_trail_without_secrets() {
    let s = common::start().await;
    let siri = s.login(SIRI).await;
    let me = s.app.snapshot().dir.principal_by_login(SIRI).expect("siri").clone();
    let drive = format!("p-{}", me.id);

    // Something of her own beyond the demo: larger than one stream chunk.
    // A first draft (kept as a version), a file she deleted (in the trash).
    let upload: Vec<u8> = (0..300_000u32).map(|i| (i * 7 % 251) as u8).collect();
    for (path, body) in
        [("/Rapport.bin", b"first draft".to_vec()), ("/Rapport.bin", upload.clone()), ("/Utkast.txt", b"x".to_vec())]
    {
        let r =
            siri.send(siri.req(Method::PUT, &format!("/api/v1/drives/{drive}/content?path={path}")).body(body)).await;
        assert!(r.status == 201 || r.status == 200, "upload: {}", r.text());
    }
    assert_eq!(siri.delete(&format!("/api/v1/drives/{drive}/items?path=/Utkast.txt")).await.status, 200);
    let ap = siri.post("/api/v1/me/app-passwords", &json!({"label": "Telefon"})).await;
    assert_eq!(ap.status, 201, "{}", ap.text());
    let app_password = ap.json()["password"].as_str().expect("app password").to_string();
    let r = siri
        .post(
            &format!("/api/v1/drives/{drive}/shares"),
            &json!({"path": "/Notater.txt", "principal": "lars.laerer@nordvik.test", "role": "viewer"}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.text());

    // A pupil of another municipality looks her up: refused, and recorded in
    // Nordvik's log too; that record must not tell Siri that Sara exists.
    let sara = s.login("sara.elev@sorvik.test").await;
    assert_eq!(sara.get(&format!("/api/v1/directory/people/{SIRI}")).await.status, 404);

    let r = siri.get("/api/v1/me/export").await;
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(r.header("content-type").as_deref(), Some("application/zip"));
    assert!(r.header("content-disposition").unwrap_or_default().starts_with("attachment"));
    let zip = unzip(&r.body);
    let m = manifest(&zip);
    assert_eq!(m["schema"], 1);
    assert_eq!(m["tenant"], "nordvik");
    assert_eq!(m["principal"]["login"], SIRI);
    assert_eq!(m["principal"]["name"], "Siri Saksbehandler");
    assert_eq!(m["principal"]["kind"], "employee");
    assert_eq!(m["principal"]["org_unit"], "Helse og omsorg");
    assert!(m["principal"]["groups"].as_array().unwrap().iter().any(|g| g == "Barnevern"), "{}", m["principal"]);

    // Each file: listed with the SHA-256 of what is in the archive, and the
    // bytes are the ones she (or the demo, as her) wrote.
    let expected: [(&str, &[u8]); 4] = [
        ("/Notater.txt", b"Husk veiledning torsdag.\n"),
        ("/Rapport.bin", &upload),
        (
            "/Saker/2026-117 Bekymringsmelding.txt",
            "Bekymringsmelding mottatt 3. november. Undersøkelse startet.\n".as_bytes(),
        ),
        ("/Maler/Undersøkelsesplan.txt", "Mal for undersøkelsesplan (barnevernsloven § 2-2).\n".as_bytes()),
    ];
    let mut total = 0u64;
    for (path, bytes) in expected {
        let f = file(&m, path);
        assert!(f.get("withheld").is_none(), "{path} is hers to export: {f}");
        let inside = f["path"].as_str().expect("path inside the archive");
        assert_eq!(zip.get(inside).map(Vec::as_slice), Some(bytes), "{inside} holds the uploaded bytes");
        assert_eq!(f["sha256"], sha(bytes), "{path}");
        assert_eq!(f["size"], bytes.len());
        assert!(f["modified"].as_str().is_some_and(|t| t.contains('T')), "{f}");
        total += bytes.len() as u64;
    }
    assert_eq!(file(&m, "/Notater.txt")["path"], "files/personal/Notater.txt");
    assert_eq!(file(&m, "/Rapport.bin")["versions"][0]["size"], 11, "the first draft is listed as a version");
    assert!(m["trash"].as_array().unwrap().iter().any(|t| t["original_path"] == "/Utkast.txt"), "{}", m["trash"]);
    assert_eq!(file(&m, "/Saker/2026-117 Bekymringsmelding.txt")["drive"], "Barnevern");
    // Team files of others are not hers.
    assert!(m["files"].as_array().unwrap().iter().all(|f| f["original_path"] != "/Planer/Årsplan 8. trinn.txt"));
    assert_eq!(r.header("x-suveren-export-bytes"), Some(total.to_string()), "the advertised size is the file contents");

    // Account records: sessions with how they signed in, app passwords by label.
    assert!(m["sessions"].as_array().unwrap().iter().any(|x| x["mfa"] == true && x["method"] == "password+totp"));
    let aps = m["app_passwords"].as_array().unwrap();
    assert!(aps.iter().any(|a| a["label"] == "Telefon"), "{aps:?}");
    assert!(m["sign_ins"].as_array().unwrap().iter().any(|x| x["outcome"] == "signed in"));
    let shared = &m["shares_created"][0];
    assert_eq!(
        (&shared["path"], &shared["target"], &shared["role"]),
        (&json!("/Notater.txt"), &json!("lars.laerer@nordvik.test"), &json!("viewer"))
    );

    // The audit trail: every line is about her, and her sign-in is there.
    let audit = String::from_utf8(zip.get("audit.jsonl").expect("audit.jsonl").clone()).unwrap();
    let lines: Vec<Value> = audit.lines().map(|l| serde_json::from_str(l).expect("a JSON line")).collect();
    assert!(!lines.is_empty());
    assert_eq!(m["audit"]["records"], lines.len());
    for l in &lines {
        let about = l["actor"] == SIRI
            || l["resource"].as_str().unwrap().contains(SIRI)
            || l["resource"].as_str().unwrap().contains(&format!(":personal/{}/", me.id))
            || l["reason"].as_str().unwrap_or("").contains(SIRI);
        assert!(about, "not about her: {l}");
        assert_eq!(l["tenant"], "nordvik");
    }
    assert!(lines.iter().any(|l| l["action"] == "auth.login" && l["actor"] == SIRI));
    assert!(m["audit"]["records_withheld"].as_u64().unwrap_or(0) >= 1, "{}", m["audit"]);
    for (name, bytes) in &zip {
        assert!(!contains(bytes, "sara.elev"), "{name} reveals a person of another tenant");
    }

    // No secret of hers anywhere in the archive.
    let cred = s.app.store.get("credential", &me.id).await.unwrap().expect("credential");
    let cred: Value = serde_json::from_str(&cred.body).unwrap();
    let secrets = [
        cred["password_hash"].as_str().expect("hash").to_string(),
        s.creds[SIRI].totp.clone().expect("siri has an authenticator"),
        s.password(SIRI),
        app_password.clone(),
        "$argon2".to_string(),
    ];
    for (name, bytes) in &zip {
        for secret in &secrets {
            assert!(!contains(bytes, secret), "{name} contains a secret");
        }
    }

    // The export is in her tenant's audit log, with its counts.
    let recs = s.app.store.audit_after("nordvik", 0, 100_000).await.unwrap();
    let rec = recs.iter().rev().find(|r| r.action == "account.export").expect("export audited");
    assert_eq!(rec.actor, SIRI);
    assert!(rec.reason.as_deref().unwrap_or("").contains("4 files"), "{rec:?}");
    // And each file read is recorded like a download.
    assert!(recs.iter().any(|r| r.action == "content.read" && r.actor == SIRI && r.resource.ends_with("/Rapport.bin")));
}

#[tokio::test]
async fn a_tenant_admin_without_a_grant_gets_the_account_but_no_file_names_or_contents() {
    let s = common::start().await;
    let siri = s.login(SIRI).await;
    let me = s.app.snapshot().dir.principal_by_login(SIRI).expect("siri").clone();
    let r = siri
        .post(
            &format!("/api/v1/drives/p-{}/shares", me.id),
            &json!({"path": "/Notater.txt", "principal": "lars.laerer@nordvik.test"}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.text());
    let anna = s.login("anna.admin@nordvik.test").await;
    let r = anna.get(&format!("/api/v1/tenants/nordvik/principals/{SIRI}/export")).await;
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(r.header("x-suveren-export-bytes").as_deref(), Some("0"));
    let zip = unzip(&r.body);
    let m = manifest(&zip);
    assert_eq!(m["principal"]["login"], SIRI);
    assert_eq!(m["exported_by"], "anna.admin@nordvik.test");
    assert!(!m["sessions"].as_array().unwrap().is_empty(), "her sessions are account metadata");
    assert!(zip.keys().all(|k| !k.starts_with("files/")), "no content: {:?}", zip.keys().collect::<Vec<_>>());
    // Her drives are named with what they hold and why it is withheld.
    let withheld = m["withheld_drives"].as_array().expect("withheld drives");
    let personal = withheld.iter().find(|d| d["drive_kind"] == "personal").expect("personal drive withheld");
    assert!(personal["withheld"].as_str().unwrap().contains("lockbox"), "{personal}");
    assert_eq!(personal["files"], 1);
    assert!(withheld.iter().any(|d| d["drive"] == "Barnevern" && d["files"] == 2), "{withheld:?}");
    assert_eq!(m["summary"]["files_included"], 0);
    // Her share is account metadata; what it points at is a file name.
    let shared = &m["shares_created"][0];
    assert_eq!(shared["target"], "lars.laerer@nordvik.test");
    assert!(shared["path"].is_null() && shared["withheld"].as_str().unwrap().contains("lockbox"), "{shared}");
    // Anna is also the tenant's auditor: the records about Siri are hers to see.
    assert!(m["audit"]["records"].as_u64().unwrap() > 0);
    for (name, bytes) in &zip {
        assert!(!contains(bytes, "Husk veiledning torsdag"), "{name} holds Siri's content");
        assert!(!contains(bytes, "Bekymringsmelding mottatt"), "{name} holds Siri's content");
    }
    let recs = s.app.store.audit_after("nordvik", 0, 100_000).await.unwrap();
    let rec = recs.iter().rev().find(|r| r.action == "principal.export").expect("export audited");
    assert_eq!((rec.actor.as_str(), rec.resource.as_str()), ("anna.admin@nordvik.test", &*format!("principal:{SIRI}")));
    assert!(rec.reason.as_deref().unwrap().contains("0 files"), "{rec:?}");

    // A member may not export anyone else.
    let lars = s.login_password("lars.laerer@nordvik.test", &s.password("lars.laerer@nordvik.test")).await;
    let r = lars.get(&format!("/api/v1/tenants/nordvik/principals/{SIRI}/export")).await;
    assert_eq!(r.problem(403)["rule"], "role");
}

#[tokio::test]
async fn under_a_lockbox_grant_the_admin_export_includes_the_granted_drive_and_the_log_records_it() {
    let s = common::start().await;
    let snap = s.app.snapshot();
    let mut anna = snap.dir.principal_by_login("anna.admin@nordvik.test").unwrap().clone();
    // An administrator who is not also the tenant's auditor.
    anna.roles = vec![suveren_domain::Role::TenantAdmin];
    let siri = snap.dir.principal_by_login(SIRI).unwrap().clone();
    let grant = suveren_policy::Grant {
        id: "grant-export-test".into(),
        tenant: "nordvik".into(),
        scope: suveren_policy::GrantScope::DriveOf(siri.id.clone()),
        ops: vec![suveren_policy::ContentOp::List, suveren_policy::ContentOp::Read],
        expires_unix: common::unix_now() as i64 + 3600,
        revoked: false,
    };
    let ctx = suveren_service::Ctx {
        actor: suveren_policy::Actor {
            principal: Some(anna),
            mfa: true,
            via: suveren_policy::Via::Session,
            grants: vec![grant],
        },
        action: suveren_policy::Action::PrincipalExport,
        client: None,
        request_id: "test".into(),
        session: None,
        note: None,
    };
    let subject = suveren_service::export::Subject::Principal { tenant: "nordvik", login: SIRI };
    let plan = s.app.export_plan(&ctx, subject).await.expect("plan");
    let mut body = Vec::new();
    let mut stream = std::pin::pin!(s.app.clone().export_stream(ctx, plan));
    while let Some(chunk) = futures_util::StreamExt::next(&mut stream).await {
        body.extend_from_slice(&chunk.expect("chunk"));
    }
    let zip = unzip(&body);
    let m = manifest(&zip);
    let f = file(&m, "/Notater.txt");
    assert_eq!(zip.get("files/personal/Notater.txt").map(Vec::as_slice), Some(&b"Husk veiledning torsdag.\n"[..]));
    assert_eq!(f["sha256"], sha(b"Husk veiledning torsdag.\n"));
    // The log is the auditors' to read: left out, and said why.
    assert!(zip["audit.jsonl"].is_empty());
    assert!(m["audit"]["withheld"].as_str().unwrap().starts_with("role:"), "{}", m["audit"]);
    // The grant covers her personal drive only: Barnevern stays closed.
    assert!(m["withheld_drives"].as_array().unwrap().iter().any(|d| d["drive"] == "Barnevern"));
    // Listing and reading under the grant are recorded with its id.
    let recs = s.app.store.audit_after("nordvik", 0, 100_000).await.unwrap();
    for action in ["content.list", "content.read"] {
        assert!(
            recs.iter().any(|r| r.action == action && r.acting_under.as_deref() == Some("grant-export-test")),
            "{action} under the grant is audited"
        );
    }
}

#[tokio::test]
async fn another_tenants_admin_gets_the_answer_a_missing_principal_gets() {
    let s = common::start().await;
    let sofie = s.login("sofie.admin@sorvik.test").await;
    let foreign = sofie.get(&format!("/api/v1/tenants/nordvik/principals/{SIRI}/export")).await;
    let missing_there = sofie.get("/api/v1/tenants/nordvik/principals/nobody@nordvik.test/export").await;
    let missing_here = sofie.get("/api/v1/tenants/sorvik/principals/nobody@sorvik.test/export").await;
    let smuggled = sofie.get(&format!("/api/v1/tenants/sorvik/principals/{SIRI}/export")).await;
    foreign.problem(404);
    for r in [&missing_there, &missing_here, &smuggled] {
        assert_eq!((r.status, &r.body), (foreign.status, &foreign.body), "same answer");
        assert_eq!(r.header("content-type"), foreign.header("content-type"));
    }
    // The probe is in both tenants' logs.
    let recs = s.app.store.audit_after("nordvik", 0, 100_000).await.unwrap();
    assert!(recs.iter().any(|r| r.actor == "sofie.admin@sorvik.test" && r.action == "principal.export"));
}

#[tokio::test]
async fn the_operator_exports_their_own_account_from_the_operator_realm() {
    let s = common::start().await;
    let op = s.login("operator").await;
    let r = op.get("/api/v1/me/export").await;
    assert_eq!(r.status, 200, "{}", r.text());
    let m = manifest(&unzip(&r.body));
    assert_eq!((&m["tenant"], &m["principal"]["login"]), (&json!("_operator"), &json!("operator")));
    assert_eq!(m["summary"]["files_included"], 0, "the operator realm has no drives");
    assert!(m["sign_ins"].as_array().unwrap().iter().any(|x| x["outcome"] == "signed in"));
}

#[tokio::test]
async fn after_a_lockbox_approval_the_admin_export_over_http_carries_the_files() {
    let s = common::start().await;
    let anna = s.login("anna.admin@nordvik.test").await;
    let r = anna
        .post(
            "/api/v1/lockbox/requests",
            &json!({"tenant": "nordvik", "scope": {"drive_of": SIRI}, "actions": ["list", "read"],
                    "reason": "Innsynskrav etter GDPR art. 15", "case_ref": "2026/42", "minutes": 60}),
        )
        .await;
    assert!(r.status == 200 || r.status == 201, "{}", r.text());
    let id = r.json()["id"].as_str().expect("request id").to_string();
    let oda = s.login("oda.godkjenner@nordvik.test").await;
    let r = oda.post(&format!("/api/v1/lockbox/requests/{id}/approve"), &json!({"note": "Innsyn godkjent"})).await;
    assert!(r.status < 300, "{}", r.text());

    let r = anna.get(&format!("/api/v1/tenants/nordvik/principals/{SIRI}/export")).await;
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(r.header("x-suveren-export-bytes").as_deref(), Some("25"));
    let zip = unzip(&r.body);
    assert_eq!(zip.get("files/personal/Notater.txt").map(Vec::as_slice), Some(&b"Husk veiledning torsdag.\n"[..]));
    // The grant that opened her files is in her manifest, as she was told.
    let manifest: Value = serde_json::from_slice(&zip["manifest.json"]).expect("manifest");
    let notice = &manifest["lockbox_notices"][0];
    assert_eq!((notice["request"].as_str(), notice["case_ref"].as_str()), (Some(id.as_str()), Some("2026/42")));
    let recs = s.app.store.audit_after("nordvik", 0, 100_000).await.unwrap();
    assert!(recs.iter().any(|r| r.action == "content.read"
        && r.actor == "anna.admin@nordvik.test"
        && r.acting_under.as_deref().is_some()
        && r.resource.ends_with("/Notater.txt")));
}
