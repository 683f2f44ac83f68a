//! Bad input gets a clear 4xx problem+json answer (content type, `status`
//! equal to the HTTP status, a non-empty `detail`), never a 5xx and never a
//! half-written change: malformed, oversized, mistyped and non-UTF-8 bodies,
//! hostile names, huge queries, unknown routes and methods, garbage in path
//! parameters, and a CSV import with one bad row.

mod common;

use common::{Client, Resp, Server};
use reqwest::Method;
use serde_json::{json, Value};

/// The nordvik directory as anna sees it: principals, groups, org units.
async fn directory_state(s: &Server, anna: &Client) -> (Vec<String>, Value, Value) {
    let principals = s.principal_logins(anna, "nordvik").await;
    let groups = anna.get("/api/v1/tenants/nordvik/groups").await.json();
    let units = anna.get("/api/v1/tenants/nordvik/org-units").await.json();
    (principals, groups, units)
}

fn raw(c: &Client, method: Method, path: &str, content_type: Option<&str>, body: Vec<u8>) -> reqwest::RequestBuilder {
    let rb = c.req(method, path).body(body);
    match content_type {
        Some(ct) => rb.header("content-type", ct),
        None => rb,
    }
}

/// A 4xx problem (any of `allowed`), with every field a client relies on.
fn refused(r: &Resp, allowed: &[u16], what: &str) -> Value {
    assert!(allowed.contains(&r.status), "{what}: expected one of {allowed:?}, got {}: {}", r.status, r.text());
    r.problem(r.status)
}

#[tokio::test]
async fn broken_bodies_are_refused_and_change_nothing() {
    let s = common::start().await;
    let anna = s.login("anna.admin@nordvik.test").await;
    let before = directory_state(&s, &anna).await;
    let groups = "/api/v1/tenants/nordvik/groups";
    let principals = "/api/v1/tenants/nordvik/principals";
    let person = |extra: Value| {
        let mut p = json!({"login": "new.person", "name": "New Person", "kind": "employee"});
        p.as_object_mut().expect("object").extend(extra.as_object().expect("object").clone());
        p.to_string().into_bytes()
    };
    let json_ct = Some("application/json");

    let r = anna.send(raw(&anna, Method::POST, groups, json_ct, br#"{"name": "half"#.to_vec())).await;
    let b = refused(&r, &[400], "malformed JSON");
    assert!(b["detail"].as_str().unwrap_or_default().contains("JSON"), "{b}");

    let r =
        anna.send(raw(&anna, Method::POST, groups, json_ct, br#"{"name": "extra", "colour": "red"}"#.to_vec())).await;
    let b = refused(&r, &[422], "unknown field");
    assert!(b["detail"].as_str().unwrap_or_default().contains("colour"), "the detail names the field: {b}");
    let r = anna.send(raw(&anna, Method::POST, principals, json_ct, person(json!({"salary": 1})))).await;
    refused(&r, &[422], "unknown principal field");
    let r = anna.send(raw(&anna, Method::POST, principals, json_ct, person(json!({"kind": "wizard"})))).await;
    refused(&r, &[422], "unknown kind");
    let r = anna.send(raw(&anna, Method::POST, groups, json_ct, br#"{"name": 5}"#.to_vec())).await;
    refused(&r, &[422], "wrong type");
    let r = anna.send(raw(&anna, Method::POST, groups, json_ct, b"[]".to_vec())).await;
    refused(&r, &[422], "array instead of object");
    let r = anna.send(raw(&anna, Method::POST, groups, json_ct, Vec::new())).await;
    refused(&r, &[400, 422], "empty body");

    // 2 MiB: over the 1 MiB limit of JSON routes.
    let big = format!(r#"{{"name": "{}"}}"#, "a".repeat(2 << 20)).into_bytes();
    let r = anna.send(raw(&anna, Method::POST, groups, json_ct, big)).await;
    refused(&r, &[413], "2 MiB body");

    // Nesting far beyond any real document, into an untagged body type.
    let deep = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000)).into_bytes();
    let r = anna.send(raw(&anna, Method::PUT, "/api/v1/tenants/nordvik/classification", json_ct, deep)).await;
    refused(&r, &[400, 422], "deeply nested JSON");
    let r = anna.send(raw(&anna, Method::POST, groups, json_ct, b"{\"name\": \"\xff\xfe\"}".to_vec())).await;
    refused(&r, &[400], "invalid UTF-8 in JSON");
    let r = anna
        .send(raw(
            &anna,
            Method::POST,
            "/api/v1/tenants/nordvik/import",
            Some("text/csv"),
            b"login,name,kind\n\xffbad,X,employee\n".to_vec(),
        ))
        .await;
    let b = refused(&r, &[400], "invalid UTF-8 in CSV");
    assert!(b["detail"].as_str().unwrap_or_default().contains("UTF-8"), "{b}");

    let r = anna.send(raw(&anna, Method::POST, groups, Some("text/plain"), br#"{"name": "plain"}"#.to_vec())).await;
    refused(&r, &[415], "text/plain to a JSON route");
    let r = anna.send(raw(&anna, Method::POST, groups, None, br#"{"name": "untyped"}"#.to_vec())).await;
    refused(&r, &[415], "no content type");
    let r = anna
        .send(raw(&anna, Method::POST, groups, Some("application/x-www-form-urlencoded"), b"name=form".to_vec()))
        .await;
    refused(&r, &[415], "a form to a JSON route");
    let r = anna
        .send(raw(
            &anna,
            Method::POST,
            "/api/v1/tenants/nordvik/import",
            Some("text/plain"),
            b"login,name,kind\nplain.csv,Plain Csv,employee\n".to_vec(),
        ))
        .await;
    refused(&r, &[415], "CSV import as text/plain, which a cross-site form could send");

    // Control characters in names are refused; nothing half-created.
    let r = anna
        .send(raw(
            &anna,
            Method::POST,
            principals,
            json_ct,
            person(json!({"login": "bell.person", "name": "Bell\u{7}Person"})),
        ))
        .await;
    let b = refused(&r, &[422], "control character in a name");
    assert!(b["detail"].as_str().unwrap_or_default().contains("control"), "{b}");
    let r = anna
        .send(raw(
            &anna,
            Method::POST,
            principals,
            json_ct,
            person(json!({"login": "nul.person", "name": "Nul\u{0}Person"})),
        ))
        .await;
    refused(&r, &[422], "NUL in a name");
    let r = anna.post("/api/v1/tenants/nordvik/org-units", &json!({"path": "Kultur/Bad\u{1b}[31mUnit"})).await;
    refused(&r, &[422], "escape sequence in an org unit");
    let r = anna.post(groups, &json!({"name": "Robert'); DROP TABLE objects;--"})).await;
    refused(&r, &[422], "SQL in an identifier");
    let r =
        anna.post(principals, &json!({"login": "x'; DROP TABLE objects;--", "name": "X", "kind": "employee"})).await;
    refused(&r, &[422], "SQL in a login");
    let r =
        anna.post(principals, &json!({"login": "someone@sorvik.test", "name": "Someone", "kind": "employee"})).await;
    refused(&r, &[422], "a login of another tenant's domain");
    let r = anna
        .post(principals, &json!({"login": "weak.pw", "name": "Weak Pw", "kind": "employee", "password": "password"}))
        .await;
    refused(&r, &[422], "a common password");

    assert_eq!(directory_state(&s, &anna).await, before, "the directory is unchanged");
    assert_eq!(s.client().get("/healthz").await.status, 200);
}

#[tokio::test]
async fn hostile_names_are_stored_verbatim_and_huge_queries_refused() {
    let s = common::start().await;
    let anna = s.login("anna.admin@nordvik.test").await;
    let before = s.principal_logins(&anna, "nordvik").await;
    let name = "Robert'); DROP TABLE objects;--";
    let r = anna
        .post(
            "/api/v1/tenants/nordvik/principals",
            &json!({"login": "robert.tables", "name": name, "kind": "employee"}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.text());
    assert_eq!(r.json()["name"], name);
    assert_eq!(r.json()["login"], "robert.tables@nordvik.test");
    let list = anna.get("/api/v1/tenants/nordvik/principals?limit=1000").await.json();
    let stored = list["principals"]
        .as_array()
        .expect("principals")
        .iter()
        .find(|p| p["login"] == "robert.tables@nordvik.test")
        .expect("stored")
        .clone();
    assert_eq!(stored["name"], name, "stored verbatim");
    let after = s.principal_logins(&anna, "nordvik").await;
    assert_eq!(after.len(), before.len() + 1, "exactly one principal more; nothing dropped");

    let lars = s.login("lars.laerer@nordvik.test").await;
    let hit = lars.send(lars.req(Method::GET, "/api/v1/directory/search").query(&[("q", "robert")])).await.json();
    assert_eq!(hit["results"][0]["name"], name, "{hit}");
    for q in ["' OR 1=1 --", "%' OR login LIKE '%", "\"; SELECT * FROM objects; --", "<script>alert(1)</script>"] {
        let r = lars.send(lars.req(Method::GET, "/api/v1/directory/search").query(&[("q", q)])).await;
        assert_eq!(r.status, 200, "{q:?}: {}", r.text());
        assert!(r.json()["results"].as_array().expect("results").len() < 20, "{q:?} does not match everyone");
    }

    let long = "a".repeat(10_000);
    let r = lars.send(lars.req(Method::GET, "/api/v1/directory/search").query(&[("q", long.as_str())])).await;
    refused(&r, &[400, 422], "10,000-character query");
    let r = lars.send(lars.req(Method::GET, "/api/v1/directory/search").query(&[("q", "lars\u{7}")])).await;
    refused(&r, &[400, 422], "control character in a query");
    let r =
        lars.send(lars.req(Method::GET, "/api/v1/directory/search").query(&[("q", "lars"), ("limit", "many")])).await;
    refused(&r, &[400, 422], "non-numeric limit");
    let r =
        lars.send(lars.req(Method::GET, "/api/v1/directory/search").query(&[("q", "lars"), ("sort", "name")])).await;
    refused(&r, &[400, 422], "unknown query parameter");
    let r = lars.get("/api/v1/directory/search").await;
    refused(&r, &[400, 422], "missing q");
    assert_eq!(s.client().get("/healthz").await.status, 200);
}

#[tokio::test]
async fn unknown_routes_wrong_methods_and_garbage_paths_are_problems() {
    let s = common::start().await;
    let anna = s.login("anna.admin@nordvik.test").await;
    let before = directory_state(&s, &anna).await;
    for path in [
        "/api/v1/nosuch",
        "/api/v2/tenants",
        "/nosuch",
        "/api/v1/tenants/nordvik/principals/lars.laerer@nordvik.test/extra",
    ] {
        let r = anna.get(path).await;
        refused(&r, &[404], path);
    }
    for (m, path) in [
        (Method::DELETE, "/api/v1/directory/search"),
        (Method::PUT, "/api/v1/auth/login"),
        (Method::GET, "/api/v1/auth/logout"),
        (Method::POST, "/healthz"),
    ] {
        let r = anna.send(anna.req(m.clone(), path)).await;
        refused(&r, &[405], &format!("{m} {path}"));
        assert!(r.header("allow").is_some(), "{m} {path}: 405 says which methods are allowed");
    }
    // Path parameters that are not text, or try to climb out of their segment.
    let garbage = [
        (Method::GET, "/api/v1/tenants/%FF%FE/principals"),
        (Method::GET, "/api/v1/tenants/%00/principals"),
        (Method::GET, "/api/v1/directory/people/%C0%AF"),
        (Method::GET, "/api/v1/directory/people/%00"),
        (Method::GET, "/api/v1/directory/people/..%2F..%2Fetc%2Fpasswd"),
        (Method::GET, "/api/v1/tenants/nordvik%2F..%2Fsorvik/principals"),
        (Method::DELETE, "/api/v1/tenants/nordvik/principals/%2e%2e"),
        (Method::DELETE, "/api/v1/tenants/nordvik/groups/%25%25%25"),
        (Method::DELETE, "/api/v1/tenants/nordvik/segments/%E2%80%AE"),
        (Method::DELETE, "/api/v1/tenants/nordvik/barriers/%0d%0aSet-Cookie:%20x=y"),
        (Method::DELETE, "/api/v1/me/app-passwords/%FF"),
    ];
    for (m, path) in garbage {
        let r = anna.send(anna.req(m.clone(), path)).await;
        refused(&r, &[400, 404], &format!("{m} {path}"));
        assert!(r.header("set-cookie").is_none(), "{path}: no header injection");
    }
    let r =
        anna.send(anna.req(Method::PATCH, "/api/v1/tenants/nordvik/principals/%FF").json(&json!({"name": "X"}))).await;
    refused(&r, &[400, 404], "PATCH with a non-UTF-8 login");
    assert_eq!(directory_state(&s, &anna).await, before, "the directory is unchanged");
    assert_eq!(s.client().get("/healthz").await.status, 200);
}

#[tokio::test]
async fn a_csv_import_with_one_bad_row_writes_nothing_and_names_the_line() {
    let s = common::start().await;
    let anna = s.login("anna.admin@nordvik.test").await;
    let before = directory_state(&s, &anna).await;
    let good1 = "kari.ny,Kari Ny,,employee,Kultur/Bibliotek,bibliotekarer";
    let good2 = "nina.ny,Nina Ny,nina.ny@nordvik.test,employee,Kultur,";
    let file = |middle: &str| format!("login,name,email,kind,org_unit,groups\n{good1}\n{middle}\n{good2}\n");
    let send = |body: String| {
        anna.send(
            anna.req(Method::POST, "/api/v1/tenants/nordvik/import").header("content-type", "text/csv").body(body),
        )
    };

    for (bad, why) in [
        ("ola.ny,Ola Ny,,wizard,Kultur,", "unknown kind"),
        ("ola.ny,Ola\u{7}Ny,,employee,Kultur,", "control character"),
        ("ola.ny,Ola Ny", "too few columns"),
        ("ola@sorvik.test,Ola Ny,,employee,,", "another tenant's domain"),
    ] {
        let r = send(file(bad)).await;
        // The import answers its report (the CLI reads it), flagged as not written.
        assert_eq!(r.status, 200, "{why}: {}", r.text());
        let report = r.json();
        assert_eq!(report["dry_run"], true, "{why}: nothing was written: {report}");
        let errors = report["errors"].as_array().expect("errors");
        assert_eq!(errors.len(), 1, "{why}: exactly the bad row is reported: {report}");
        assert_eq!(errors[0]["line"], 3, "{why}: the header is line 1, the bad row line 3: {report}");
        assert!(errors[0]["message"].as_str().is_some_and(|m| !m.is_empty()));
        assert_eq!(directory_state(&s, &anna).await, before, "{why}: no principal, org unit or group from the file");
    }

    // The same file with the row fixed goes through: the refusals were the row's fault.
    let r = send(file("ola.ny,Ola Ny,,employee,Kultur,")).await;
    assert_eq!(r.status, 200, "{}", r.text());
    let report = r.json();
    assert_eq!(report["dry_run"], false, "{report}");
    assert_eq!(report["created"], 3, "{report}");
    let after = s.principal_logins(&anna, "nordvik").await;
    for l in ["kari.ny@nordvik.test", "ola.ny@nordvik.test", "nina.ny@nordvik.test"] {
        assert!(after.contains(&l.to_string()), "{l} imported");
    }
    assert_eq!(after.len(), before.0.len() + 3);
    assert_eq!(s.client().get("/healthz").await.status, 200);
}
