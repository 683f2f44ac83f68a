//! Rule 1 on every route of the table: an existing but undiscoverable tenant,
//! person or object is answered exactly like a nonexistent one (same status,
//! same problem body), for a plain employee and for a tenant administrator;
//! every non-public route refuses anonymous callers with a 401 problem; the
//! table has no duplicates and the OpenAPI document names every action.

mod common;

use std::collections::{BTreeMap, BTreeSet};

use common::{Client, Resp, Server};
use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};
use reqwest::Method;
use serde_json::{json, Value};
use suveren_api::routes::RouteSpec;
use suveren_policy::ActionClass;

/// Values per path parameter: things that exist but the callers (lars and
/// anna of nordvik) may not discover, and things that do not exist at all.
struct Values {
    hidden: BTreeMap<&'static str, Vec<String>>,
    missing: BTreeMap<&'static str, Vec<String>>,
}

struct World {
    s: Server,
    lars: Client,
    anna: Client,
    values: Values,
}

fn routes() -> Vec<RouteSpec> {
    suveren_api::api().into_parts().1
}

fn params(path: &str) -> Vec<&str> {
    path.split('/').filter_map(|seg| seg.strip_prefix('{').and_then(|x| x.strip_suffix('}'))).collect()
}

fn fill(path: &str, with: &BTreeMap<&str, String>) -> String {
    let mut out = path.to_string();
    for (k, v) in with {
        out = out.replace(&format!("{{{k}}}"), v);
    }
    assert!(!out.contains('{'), "every parameter of {path} substituted: {out}");
    out
}

/// A valid minimal request for the route: query string and body (`{}` for
/// a route with a body that has no probe here yet).
fn probe(spec: &RouteSpec) -> (&'static str, Option<(&'static str, Vec<u8>)>) {
    let j = |v: Value| Some(("application/json", v.to_string().into_bytes()));
    match (spec.method, spec.path) {
        ("DELETE", "/api/v1/tenants/{tenant}/org-units") => ("?path=Administrasjon", None),
        (_, p) if p.ends_with("/import") => {
            ("?dry_run=true", Some(("text/csv", b"login,name,kind\nprobe.csv,Probe Csv,employee\n".to_vec())))
        }
        ("POST", "/api/v1/auth/login") => {
            ("", j(json!({"login": "lars.laerer@nordvik.test", "password": "not-the-password"})))
        }
        ("POST", "/api/v1/me/app-passwords") => ("", j(json!({"label": "probe"}))),
        ("POST", "/api/v1/me/password") => {
            ("", j(json!({"current": "not-the-password", "new": "Another-long-passphrase-2026"})))
        }
        ("POST", "/api/v1/me/totp") => ("", None),
        ("POST", "/api/v1/me/totp/confirm") => ("", j(json!({"code": "000000"}))),
        ("POST", "/api/v1/auth/logout") | ("POST", "/api/v1/auth/logout-everywhere") => ("", None),
        ("POST", "/api/v1/tenants") => ("", j(json!({"id": "probe", "name": "Probe", "domain": "probe.test"}))),
        ("PATCH", "/api/v1/tenants/{tenant}") => ("", j(json!({"suspended": false}))),
        ("POST", "/api/v1/tenants/{tenant}/bootstrap-admin") | ("POST", "/api/v1/tenants/{tenant}/principals") => {
            ("", j(json!({"login": "probe.person", "name": "Probe Person", "kind": "employee"})))
        }
        ("PATCH", "/api/v1/tenants/{tenant}/principals/{login}") => ("", j(json!({"name": "Renamed Person"}))),
        ("POST", "/api/v1/tenants/{tenant}/org-units") => ("", j(json!({"path": "Probe"}))),
        ("POST", "/api/v1/tenants/{tenant}/groups") | ("POST", "/api/v1/tenants/{tenant}/segments") => {
            ("", j(json!({"name": "probe"})))
        }
        ("POST", "/api/v1/tenants/{tenant}/barriers") => {
            ("", j(json!({"rule": "block", "a": "employees", "b": "employees"})))
        }
        ("PUT", "/api/v1/tenants/{tenant}/classification") => ("", j(json!({"use_preset": "norway"}))),
        ("POST", "/api/v1/tenants/{tenant}/federation/{id}/consent") => ("", j(json!({"consent": true}))),
        ("POST", "/api/v1/federation") => (
            "",
            j(json!({"tenant_a": "nordvik", "segment_a": "employees", "tenant_b": "sorvik", "segment_b": "employees"})),
        ),
        ("GET", _) | ("DELETE", _) => ("", None),
        _ => ("", j(json!({}))),
    }
}

async fn call(c: &Client, spec: &RouteSpec, path: &str) -> Resp {
    let (query, body) = probe(spec);
    let method = Method::from_bytes(spec.method.as_bytes()).expect("method");
    let mut rb = c.req(method, &format!("{path}{query}"));
    if let Some((ct, bytes)) = body {
        rb = rb.header("content-type", ct).body(bytes);
    }
    c.send(rb).await
}

/// What a caller can compare between two answers: status, media type, body.
fn seen(r: &Resp) -> (u16, String, Value) {
    let ct = r.header("content-type").unwrap_or_default();
    let body = serde_json::from_slice(&r.body).unwrap_or_else(|_| Value::String(r.text()));
    (r.status, ct, body)
}

/// Calls `spec` with `hidden` and with `missing` substitutions and asserts
/// the caller cannot tell them apart.
async fn same_answer(
    w: &World,
    who: &str,
    spec: &RouteSpec,
    hidden: &BTreeMap<&str, String>,
    missing: &BTreeMap<&str, String>,
) {
    let c = if who == "anna" { &w.anna } else { &w.lars };
    let (ph, pm) = (fill(spec.path, hidden), fill(spec.path, missing));
    let (a, b) = (call(c, spec, &ph).await, call(c, spec, &pm).await);
    assert!(!(200..300).contains(&a.status), "{who}: {} {ph} succeeded on something hidden: {}", spec.method, a.text());
    assert_eq!(seen(&a), seen(&b), "{who}: {} {ph} vs {pm} answer differently", spec.method);
    assert_ne!(a.status, 500, "{who}: {} {ph} failed: {}", spec.method, a.text());
}

async fn setup() -> World {
    let s = common::start().await;
    let (lars, anna) = (s.login("lars.laerer@nordvik.test").await, s.login("anna.admin@nordvik.test").await);
    let op = s.login("operator").await;
    // A third municipality, linked to sorvik only: its link id exists but is
    // nothing of nordvik's.
    let r = op
        .post("/api/v1/tenants", &json!({"id": "vestvik", "name": "Vestvik kommune", "domain": "vestvik.test"}))
        .await;
    assert_eq!(r.status, 201, "{}", r.text());
    let pw = "Vestvik-admin-passord-2026";
    let r = op
        .post(
            "/api/v1/tenants/vestvik/bootstrap-admin",
            &json!({"login": "vera.admin", "name": "Vera Admin", "kind": "employee", "password": pw}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.text());
    let vera = s.login_password("vera.admin@vestvik.test", pw).await;
    let secret = vera.post("/api/v1/me/totp", &json!({})).await.json()["secret"].as_str().expect("secret").to_string();
    let code = suveren_identity::totp::code_at(&secret, common::unix_now()).expect("code");
    let r = vera.post("/api/v1/me/totp/confirm", &json!({"code": code})).await;
    assert_eq!(r.status, 200, "{}", r.text());
    let r = vera
        .post("/api/v1/tenants/vestvik/segments", &json!({"name": "employees", "filter": {"kinds": ["employee"]}}))
        .await;
    assert_eq!(r.status, 201, "{}", r.text());
    let r = op
        .post(
            "/api/v1/federation",
            &json!({"tenant_a": "sorvik", "segment_a": "employees", "tenant_b": "vestvik", "segment_b": "employees"}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.text());
    let foreign_link = r.json()["id"].as_str().expect("link id").to_string();
    // A group of sorvik and an app password of siri: existing foreign ids.
    let sofie = s.login("sofie.admin@sorvik.test").await;
    assert_eq!(sofie.post("/api/v1/tenants/sorvik/groups", &json!({"name": "sorvik-laerere"})).await.status, 201);
    let siri = s.login("siri.saksbehandler@nordvik.test").await;
    let r = siri.post("/api/v1/me/app-passwords", &json!({"label": "phone"})).await;
    let siri_pw = r.json()["app_password"]["id"].as_str().expect("app password id").to_string();

    let v = |xs: &[&str]| xs.iter().map(|x| x.to_string()).collect::<Vec<_>>();
    // Drives neither lars nor anna may open or manage: personal drives of
    // others, in their tenant and in sorvik. (Barnevern is hidden from both
    // as content, but anna manages it as a tenant admin; drive tests cover
    // its content.)
    let dir = s.app.snapshot();
    let pid = |login: &str| format!("p-{}", dir.dir.principal_by_login(login).expect(login).id);
    let hidden_drives =
        vec![pid("sara.elev@sorvik.test"), pid("siri.saksbehandler@nordvik.test"), pid("erik.ansatt@sorvik.test")];
    let hidden = BTreeMap::from([
        ("drive", hidden_drives),
        // A link token is its own credential: an unknown one is all there is.
        ("token", v(&["AbCdEfGhIjKlMnOpQrStUvWxYz0123456789abcdefg", "zzzz", "0000"])),
        ("tenant", v(&["sorvik", "vestvik", "_operator"])),
        ("login", v(&["sara.elev@sorvik.test", "operator", "vera.admin@vestvik.test"])),
        ("id", vec![siri_pw, "sorvik:pupils-only-with-school".into(), foreign_link]),
        ("name", v(&["sorvik-laerere", "sorvik-school", "sorvik-school-pupils"])),
    ]);
    let missing = BTreeMap::from([
        ("drive", v(&["d-nosuch", "p-0123456789abcdef0123456789abcdef", "zzzz"])),
        ("token", v(&["BbCdEfGhIjKlMnOpQrStUvWxYz0123456789abcdefg", "yyyy", "1111"])),
        ("tenant", v(&["nosuchtenant", "zz-missing", "nordvik-old"])),
        ("login", v(&["nobody@nowhere.test", "ghost@sorvik.test", "ghost@nordvik.test"])),
        ("id", v(&["0123456789abcdef0123456789abcdef", "nordvik:nosuch", "zzzzzzzz"])),
        ("name", v(&["nosuchname", "ghosts", "probe-missing"])),
    ]);
    World { s, lars, anna, values: Values { hidden, missing } }
}

#[tokio::test]
async fn undiscoverable_targets_look_like_missing_ones_on_every_route() {
    let w = setup().await;
    let mut checked = 0;
    for spec in routes() {
        let names = params(spec.path);
        if names.is_empty() {
            continue;
        }
        for who in ["lars", "anna"] {
            for i in 0..3 {
                let pick = |m: &BTreeMap<&str, Vec<String>>, n: &str| m[n][i % m[n].len()].clone();
                // Every parameter hidden vs every parameter missing.
                let hidden: BTreeMap<&str, String> = names.iter().map(|n| (*n, pick(&w.values.hidden, n))).collect();
                let missing: BTreeMap<&str, String> = names.iter().map(|n| (*n, pick(&w.values.missing, n))).collect();
                same_answer(&w, who, &spec, &hidden, &missing).await;
                checked += 1;
                // The caller's own tenant, with hidden vs missing objects in it.
                if names.contains(&"tenant") && names.len() > 1 {
                    let (mut hidden, mut missing) = (hidden, missing);
                    hidden.insert("tenant", "nordvik".into());
                    missing.insert("tenant", "nordvik".into());
                    same_answer(&w, who, &spec, &hidden, &missing).await;
                    checked += 1;
                }
            }
        }
    }
    assert!(checked > 100, "probed {checked} pairs");
    // Probing is refused without changing anything: no probe principal, group or segment.
    let logins = w.s.principal_logins(&w.anna, "nordvik").await;
    assert!(logins.iter().all(|l| !l.starts_with("probe")), "{logins:?}");
    assert!(w.s.app.snapshot().dir.tenants.get("nordvik").is_some_and(|t| t.scheme.preset == "norway"));
}

#[test]
fn random_substitutions_on_random_routes_never_tell_hidden_from_missing() {
    let rt = tokio::runtime::Builder::new_multi_thread().enable_all().build().expect("runtime");
    let w = rt.block_on(setup());
    let specs: Vec<RouteSpec> = routes().into_iter().filter(|s| !params(s.path).is_empty()).collect();
    let strategy = (
        0..specs.len(),
        any::<bool>(),
        any::<bool>(),
        proptest::collection::vec((0usize..16, 0usize..16, any::<bool>()), 4),
    );
    let mut runner = TestRunner::new(Config { cases: 128, failure_persistence: None, ..Config::default() });
    runner
        .run(&strategy, |(route, as_anna, own_tenant, picks)| {
            let spec = &specs[route];
            let names = params(spec.path);
            let mut hidden = BTreeMap::new();
            let mut missing = BTreeMap::new();
            for (n, (h, m, same)) in names.iter().zip(picks) {
                let hv = &w.values.hidden[n];
                let mv = &w.values.missing[n];
                // Each parameter is hidden-vs-missing, or the same missing
                // value on both sides; at least the first one differs.
                let (a, b) = if *n == "tenant" && own_tenant && names.len() > 1 {
                    ("nordvik".to_string(), "nordvik".to_string())
                } else if same && !hidden.is_empty() {
                    (mv[m % mv.len()].clone(), mv[m % mv.len()].clone())
                } else {
                    (hv[h % hv.len()].clone(), mv[m % mv.len()].clone())
                };
                hidden.insert(*n, a);
                missing.insert(*n, b);
            }
            rt.block_on(same_answer(&w, if as_anna { "anna" } else { "lars" }, spec, &hidden, &missing));
            Ok(())
        })
        .expect("no route tells hidden from missing");
}

#[tokio::test]
async fn every_non_public_route_refuses_anonymous_callers_with_401() {
    let s = common::start().await;
    let anon = s.client();
    let own = BTreeMap::from([
        ("tenant", "nordvik".to_string()),
        ("login", "lars.laerer@nordvik.test".into()),
        ("id", "x".into()),
        ("name", "employees".into()),
        ("drive", "d-barnevern".into()),
        ("token", "x".into()),
    ]);
    let mut refused = 0;
    for spec in routes() {
        let path = fill(spec.path, &own);
        let r = call(&anon, &spec, &path).await;
        if matches!(spec.action.class(), ActionClass::Public | ActionClass::Link(_)) {
            // Links need no account: the token is the credential.
            assert_ne!(r.status, 500, "{} {path}: {}", spec.method, r.text());
            continue;
        }
        let b = r.problem(401);
        assert_eq!(b["type"], "/problems/unauthenticated", "{} {path}: {b}", spec.method);
        assert!(r.session_cookie().is_none(), "no session handed out");
        refused += 1;
    }
    assert!(refused >= 30, "{refused} routes need a caller");
    // A cookie that is not a session is no better than none.
    let forged = s.with_token("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA");
    forged.get("/api/v1/tenants/nordvik/principals").await.problem(401);
}

#[tokio::test]
async fn the_route_table_is_unique_and_fully_described_in_openapi() {
    let specs = routes();
    let mut seen = BTreeSet::new();
    for s in &specs {
        assert!(seen.insert((s.method, s.path)), "duplicate route {} {}", s.method, s.path);
    }
    let s = common::start().await;
    let r = s.client().get("/api/v1/openapi.json").await;
    assert_eq!(r.status, 200, "{}", r.text());
    let doc = r.json();
    assert_eq!(doc["openapi"], "3.1.0");
    let mut described = 0;
    for spec in &specs {
        let op = &doc["paths"][spec.path][spec.method.to_lowercase()];
        assert_eq!(op["x-suveren-action"], spec.action.name(), "{} {} in openapi.json: {op}", spec.method, spec.path);
        let public = spec.action.class() == ActionClass::Public;
        assert_eq!(
            op.get("security").is_none(),
            public,
            "{} {}: security matches the action class",
            spec.method,
            spec.path
        );
        described += 1;
    }
    let ops: usize =
        doc["paths"].as_object().expect("paths").values().map(|p| p.as_object().map_or(0, |o| o.len())).sum();
    assert_eq!(ops, described, "the document lists exactly the table's routes");
}

#[tokio::test]
async fn the_import_report_does_not_reveal_other_tenants_logins() {
    let s = common::start().await;
    let anna = s.login("anna.admin@nordvik.test").await;
    let import = |login: &'static str| {
        let anna = &anna;
        async move {
            let csv = format!("login,name,kind\nkari.ny,Kari Ny,employee\n{login},Some One,pupil\n");
            let rb = anna
                .req(Method::POST, "/api/v1/tenants/nordvik/import?dry_run=true")
                .header("content-type", "text/csv")
                .body(csv);
            anna.send(rb).await
        }
    };
    for (hidden, missing) in [
        ("sara.elev@sorvik.test", "nobody@sorvik.test"),
        ("sofie.admin@sorvik.test", "ghost@sorvik.test"),
        ("vera@vestvik.test", "ghost@nowhere.test"),
    ] {
        let (a, b) = (import(hidden).await, import(missing).await);
        assert_eq!(a.status, b.status, "{hidden}: {}", a.text());
        let (mut ra, mut rb) = (a.json(), b.json());
        assert_eq!(ra["errors"][0]["line"], 3, "{ra}");
        // The row's own login may be quoted back; nothing else may differ.
        for (r, login) in [(&mut ra, hidden), (&mut rb, missing)] {
            let m = r["errors"][0]["message"].as_str().unwrap_or_default().replace(login, "LOGIN");
            r["errors"][0]["message"] = Value::String(m);
        }
        assert_eq!(ra, rb, "an existing foreign login is reported like one nobody has");
    }
}
