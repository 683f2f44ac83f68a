//! Administration through the API as a tenant admin and the operator: org
//! units, groups, segments and a block barrier that takes effect in search
//! both ways; a federation link that opens nothing until both tenants
//! consent; classification presets and a refused non-monotone scheme;
//! tenant isolation of the admins themselves; and an audit log that records
//! every admin action and exports into a file that verifies offline, and
//! stops verifying after one edited line.

mod common;

use serde_json::{json, Value};

const ANNA: &str = "anna.admin@nordvik.test";

fn created(r: &common::Resp, what: &str) -> Value {
    assert_eq!(r.status, 201, "{what}: {}", r.text());
    r.json()
}

#[tokio::test]
async fn a_block_barrier_hides_two_segments_from_each_other() {
    let s = common::start().await;
    let anna = s.login(ANNA).await;
    let t = "/api/v1/tenants/nordvik";
    created(&anna.post(&format!("{t}/org-units"), &json!({"path": "Kultur/Bibliotek"})).await, "org unit");
    created(&anna.post(&format!("{t}/groups"), &json!({"name": "bibliotekarer"})).await, "group");
    let pw = "Bibliotek-passord-2026";
    created(&anna.post(&format!("{t}/principals"), &json!({"login": "bodil.bok", "name": "Bodil Bok", "kind": "employee", "org_unit": "Kultur/Bibliotek", "groups": ["bibliotekarer"], "password": pw})).await, "bodil");
    created(&anna.post(&format!("{t}/principals"), &json!({"login": "henrik.helse", "name": "Henrik Helse", "kind": "employee", "org_unit": "Helse og omsorg", "password": pw})).await, "henrik");
    let units = anna.get(&format!("{t}/org-units")).await.text();
    assert!(units.contains("Kultur/Bibliotek"), "{units}");

    let bodil = s.login_password("bodil.bok@nordvik.test", pw).await;
    let henrik = s.login_password("henrik.helse@nordvik.test", pw).await;
    assert!(
        bodil.search("henrik").await.contains(&"henrik.helse@nordvik.test".to_string()),
        "before the barrier they find each other"
    );
    assert!(henrik.search("bodil").await.contains(&"bodil.bok@nordvik.test".to_string()));

    created(
        &anna
            .post(&format!("{t}/segments"), &json!({"name": "bibliotek", "filter": {"groups": ["bibliotekarer"]}}))
            .await,
        "segment",
    );
    created(
        &anna
            .post(
                &format!("{t}/segments"),
                &json!({"name": "helse", "filter": {"org_unit": "Helse og omsorg", "kinds": ["employee"]}}),
            )
            .await,
        "segment",
    );
    let barrier = created(
        &anna.post(&format!("{t}/barriers"), &json!({"rule": "block", "a": "bibliotek", "b": "helse"})).await,
        "barrier",
    );
    let listed = anna.get(&format!("{t}/barriers")).await.json();
    assert!(listed["barriers"].as_array().expect("barriers").iter().any(|b| b["id"] == barrier["id"]), "{listed}");

    for q in ["henrik", "henrik.helse", "Henrik Helse"] {
        assert!(!bodil.search(q).await.contains(&"henrik.helse@nordvik.test".to_string()), "bodil searching {q:?}");
    }
    assert!(
        !bodil.search("siri").await.contains(&"siri.saksbehandler@nordvik.test".to_string()),
        "siri is in health too"
    );
    assert!(
        !henrik.search("bodil").await.contains(&"bodil.bok@nordvik.test".to_string()),
        "the barrier holds both ways"
    );
    bodil.get("/api/v1/directory/people/henrik.helse@nordvik.test").await.problem(404);
    henrik.get("/api/v1/directory/people/bodil.bok@nordvik.test").await.problem(404);
    // Everyone else is still found.
    assert!(bodil.search("lars").await.contains(&"lars.laerer@nordvik.test".to_string()));
    assert!(henrik.search("lars").await.contains(&"lars.laerer@nordvik.test".to_string()));

    // Removing the rule opens the way again.
    let id = barrier["id"].as_str().expect("id");
    assert_eq!(anna.delete(&format!("{t}/barriers/{id}")).await.status, 204);
    assert!(bodil.search("henrik").await.contains(&"henrik.helse@nordvik.test".to_string()));
}

#[tokio::test]
async fn a_federation_link_opens_only_after_both_tenants_consent() {
    let s = common::start().await;
    let op = s.login("operator").await;
    let anna = s.login(ANNA).await;
    let sofie = s.login("sofie.admin@sorvik.test").await;
    let siri = s.login("siri.saksbehandler@nordvik.test").await;
    let lars = s.login("lars.laerer@nordvik.test").await;
    // Replace the demo's all-employees link with a narrower health link.
    assert!(lars.search("erik").await.contains(&"erik.ansatt@sorvik.test".to_string()));
    assert_eq!(op.delete("/api/v1/federation/nordvik-sorvik-employees").await.status, 204);
    assert!(!lars.search("erik").await.contains(&"erik.ansatt@sorvik.test".to_string()), "no link, no discovery");

    let pw = "Helse-samarbeid-2026";
    created(&sofie.post("/api/v1/tenants/sorvik/principals", &json!({"login": "hanne.helse", "name": "Hanne Helse", "kind": "employee", "org_unit": "Helse og omsorg", "password": pw})).await, "hanne");
    let hanne = s.login_password("hanne.helse@sorvik.test", pw).await;
    created(
        &anna
            .post(
                "/api/v1/tenants/nordvik/segments",
                &json!({"name": "helse", "filter": {"org_unit": "Helse og omsorg"}}),
            )
            .await,
        "segment",
    );
    created(
        &sofie
            .post(
                "/api/v1/tenants/sorvik/segments",
                &json!({"name": "helse", "filter": {"org_unit": "Helse og omsorg"}}),
            )
            .await,
        "segment",
    );
    let link = created(
        &op.post(
            "/api/v1/federation",
            &json!({"tenant_a": "nordvik", "segment_a": "helse", "tenant_b": "sorvik", "segment_b": "helse"}),
        )
        .await,
        "link",
    );
    let id = link["id"].as_str().expect("link id").to_string();
    assert_eq!((link["consent_a"].clone(), link["consent_b"].clone()), (json!(false), json!(false)));

    let finds = |c: &common::Client, q: &'static str, login: &'static str| {
        let c = c.clone();
        async move { c.search(q).await.contains(&login.to_string()) }
    };
    assert!(!finds(&siri, "hanne", "hanne.helse@sorvik.test").await, "proposed only");
    let r = anna.post(&format!("/api/v1/tenants/nordvik/federation/{id}/consent"), &json!({"consent": true})).await;
    assert_eq!(r.status, 200, "{}", r.text());
    assert!(!finds(&siri, "hanne", "hanne.helse@sorvik.test").await, "one consent is not enough");
    assert!(!finds(&hanne, "siri", "siri.saksbehandler@nordvik.test").await);
    // Anna cannot consent for sorvik; the link looks missing there.
    anna.post(&format!("/api/v1/tenants/sorvik/federation/{id}/consent"), &json!({"consent": true})).await.problem(404);
    let r = sofie.post(&format!("/api/v1/tenants/sorvik/federation/{id}/consent"), &json!({"consent": true})).await;
    assert_eq!(r.status, 200, "{}", r.text());
    assert!(finds(&siri, "hanne", "hanne.helse@sorvik.test").await, "both consented: siri finds hanne");
    assert!(finds(&hanne, "siri", "siri.saksbehandler@nordvik.test").await, "and hanne finds siri");
    assert!(!finds(&lars, "hanne", "hanne.helse@sorvik.test").await, "only the linked segments see each other");
    let links = anna.get("/api/v1/tenants/nordvik/federation").await.json();
    assert!(
        links["links"]
            .as_array()
            .expect("links")
            .iter()
            .any(|l| l["id"] == id.as_str() && l["consent_a"] == true && l["consent_b"] == true),
        "{links}"
    );

    // Withdrawing consent closes it again.
    let r = sofie.post(&format!("/api/v1/tenants/sorvik/federation/{id}/consent"), &json!({"consent": false})).await;
    assert_eq!(r.status, 200, "{}", r.text());
    assert!(!finds(&siri, "hanne", "hanne.helse@sorvik.test").await, "withdrawn");
}

#[tokio::test]
async fn classification_presets_apply_and_non_monotone_schemes_are_refused() {
    let s = common::start().await;
    let anna = s.login(ANNA).await;
    let path = "/api/v1/tenants/nordvik/classification";
    let r = anna.put(path, &json!({"use_preset": "sweden"})).await;
    assert_eq!(r.status, 200, "{}", r.text());
    let scheme = anna.get(path).await.json();
    assert_eq!(scheme["preset"], "sweden");
    let names: Vec<&str> =
        scheme["levels"].as_array().expect("levels").iter().map(|l| l["name"].as_str().expect("name")).collect();
    assert_eq!(names, ["Ingen eller försumbar skada", "Måttlig skada", "Betydande skada", "Allvarlig skada"]);

    // A higher level that allows public links is less strict than the one below.
    let mut bad = scheme.clone();
    bad["preset"] = json!("custom");
    bad["levels"][2]["public_links"] = json!(true);
    let b = anna.put(path, &bad).await.problem(422);
    assert!(b["detail"].as_str().unwrap_or_default().contains("public_links"), "the refusal names the field: {b}");
    anna.put(path, &json!({"use_preset": "atlantis"})).await.problem(400);
    assert_eq!(anna.get(path).await.json(), scheme, "the refused schemes changed nothing");
}

#[tokio::test]
async fn admins_stay_inside_their_own_tenant() {
    let s = common::start().await;
    let op = s.login("operator").await;
    let anna = s.login(ANNA).await;
    let missing = op.get("/api/v1/tenants/nosuchtenant/principals").await.problem(404);
    assert_eq!(
        op.get("/api/v1/tenants/nordvik/principals").await.problem(404),
        missing,
        "the operator cannot list a tenant's people"
    );
    assert_eq!(op.get("/api/v1/tenants/nordvik/audit").await.problem(404), missing);
    // The operator does see tenants with counts.
    let tenants = op.get("/api/v1/tenants").await;
    assert_eq!(tenants.status, 200, "{}", tenants.text());
    assert!(tenants.json()["tenants"]
        .as_array()
        .expect("tenants")
        .iter()
        .any(|t| t["id"] == "nordvik" && t["principals"].as_u64() > Some(10)));

    for path in [
        "/api/v1/tenants/sorvik",
        "/api/v1/tenants/sorvik/principals",
        "/api/v1/tenants/sorvik/audit",
        "/api/v1/tenants/sorvik/classification",
    ] {
        assert_eq!(anna.get(path).await.problem(404), missing, "anna GET {path}");
    }
    anna.post("/api/v1/tenants/sorvik/groups", &json!({"name": "anna-was-here"})).await.problem(404);
    anna.patch("/api/v1/tenants/sorvik/principals/sara.elev@sorvik.test", &json!({"disabled": true}))
        .await
        .problem(404);
    anna.get("/api/v1/tenants").await.problem(403);
    let sofie = s.login("sofie.admin@sorvik.test").await;
    assert!(!sofie.get("/api/v1/tenants/sorvik/groups").await.text().contains("anna-was-here"));
    assert!(s.app.snapshot().dir.principal_by_login("sara.elev@sorvik.test").is_some_and(|p| !p.disabled));
}

#[tokio::test]
async fn every_admin_action_is_audited_and_the_export_verifies() {
    let s = common::start().await;
    let anna = s.login(ANNA).await;
    let t = "/api/v1/tenants/nordvik";
    created(&anna.post(&format!("{t}/org-units"), &json!({"path": "Kultur"})).await, "org unit");
    created(&anna.post(&format!("{t}/groups"), &json!({"name": "kor"})).await, "group");
    created(&anna.post(&format!("{t}/principals"), &json!({"login": "kari.kor", "name": "Kari Kor", "kind": "employee", "org_unit": "Kultur", "groups": ["kor"]})).await, "principal");
    assert_eq!(
        anna.patch(&format!("{t}/principals/kari.kor@nordvik.test"), &json!({"name": "Kari Korsang"})).await.status,
        200
    );
    created(
        &anna.post(&format!("{t}/segments"), &json!({"name": "kor", "filter": {"groups": ["kor"]}})).await,
        "segment",
    );
    let barrier = created(
        &anna.post(&format!("{t}/barriers"), &json!({"rule": "only-with", "a": "kor", "with": ["employees"]})).await,
        "barrier",
    );
    assert_eq!(anna.put(&format!("{t}/classification"), &json!({"use_preset": "default"})).await.status, 200);
    assert_eq!(
        anna.post(&format!("{t}/federation/nordvik-sorvik-employees/consent"), &json!({"consent": true})).await.status,
        200
    );
    assert_eq!(anna.delete(&format!("{t}/principals/kari.kor@nordvik.test")).await.status, 204);
    anna.get("/api/v1/tenants/sorvik/principals").await.problem(404);

    let r = anna.get(&format!("{t}/audit?limit=1000")).await;
    assert_eq!(r.status, 200, "{}", r.text());
    let records = r.json()["records"].as_array().expect("records").clone();
    let has = |action: &str, resource: &str, decision: &str| {
        records.iter().any(|r| {
            r["actor"] == ANNA && r["action"] == action && r["resource"] == resource && r["decision"] == decision
        })
    };
    let barrier_res = format!("barrier:{}", barrier["id"].as_str().expect("id"));
    for (action, resource) in [
        ("auth.login", "principal:anna.admin@nordvik.test"),
        ("org_unit.manage", "org_unit:Kultur"),
        ("group.manage", "group:kor"),
        ("principal.create", "principal:kari.kor@nordvik.test"),
        ("principal.update", "principal:kari.kor@nordvik.test"),
        ("segment.manage", "segment:kor"),
        ("barrier.manage", barrier_res.as_str()),
        ("classification.manage", "tenant:nordvik:classification"),
        ("federation.consent", "federation:nordvik-sorvik-employees"),
        ("principal.delete", "principal:kari.kor@nordvik.test"),
    ] {
        assert!(has(action, resource, "allow"), "audit has {action} on {resource} by anna");
    }
    assert!(has("principal.list", "tenant:sorvik", "deny"), "the refused look at sorvik is audited in nordvik's chain");
    // Records of requests; the demo seeding's own writes (as their authors)
    // say so in their reason and came from no client.
    let mine: Vec<&Value> =
        records.iter().filter(|r| r["actor"] == ANNA && r["reason"] != "demo installation").collect();
    assert!(
        mine.iter().all(|r| r["client"] == "127.0.0.1" && r["time"].as_str().is_some_and(|t| !t.is_empty())),
        "client address and time recorded: {mine:?}"
    );
    let seqs: Vec<u64> = records.iter().map(|r| r["seq"].as_u64().expect("seq")).collect();
    assert!(seqs.windows(2).all(|w| w[1] == w[0] + 1) && seqs[0] == 1, "contiguous from 1");

    let r = anna.get(&format!("{t}/audit/export")).await;
    assert_eq!(r.status, 200, "{}", r.text());
    let key = s.app.audit_key().public_key_b64();
    let report = suveren_audit::verify_export(std::io::Cursor::new(&r.body), Some(&key));
    assert!(report.is_ok(), "the export verifies: {report:?}");
    assert!(suveren_audit::verify_export(std::io::Cursor::new(&r.body), None).is_ok());

    // Edit one record line: say someone else created kari.
    let text = r.text();
    let mut lines: Vec<String> = text.lines().map(str::to_string).collect();
    let i = lines
        .iter()
        .position(|l| l.contains("principal.create") && l.contains("kari.kor"))
        .expect("the record is exported");
    let edited = lines[i].replace(ANNA, "oda.godkjenner@nordvik.test");
    assert_ne!(edited, lines[i]);
    lines[i] = edited;
    let tampered = lines.join("\n") + "\n";
    let err = suveren_audit::verify_export(std::io::Cursor::new(tampered.as_bytes()), None);
    assert!(err.is_err(), "an edited record does not verify: {err:?}");
    // Dropping the last line (the final checkpoint) does not verify either.
    let truncated = text.lines().take(text.lines().count() - 1).collect::<Vec<_>>().join("\n") + "\n";
    assert!(suveren_audit::verify_export(std::io::Cursor::new(truncated.as_bytes()), None).is_err());
}
