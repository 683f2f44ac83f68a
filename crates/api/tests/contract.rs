//! The demo contract through the HTTP API: sign-in, the shape of people
//! search, who may find whom (tenant isolation, the pupils' barrier, the
//! employees' federation link, the operator who sees no one), app passwords
//! over HTTP Basic, pagination and typo-tolerant search.

mod common;

use std::collections::BTreeSet;

use reqwest::Method;
use serde_json::json;

#[tokio::test]
async fn login_sets_a_session_cookie_that_identifies_the_account() {
    let s = common::start().await;
    let c = s.client();
    let r = c.login(&s, "lars.laerer@nordvik.test").await;
    assert!(r.session_cookie().is_some_and(|t| t.len() >= 20), "login sets the session cookie: {:?}", r.headers);
    let b = r.json();
    assert_eq!(b["session"]["login"], "lars.laerer@nordvik.test");
    assert_eq!(b["session"]["tenant"], "nordvik");
    assert_eq!(b["session"]["mfa"], false);

    let me = c.get("/api/v1/auth/session").await;
    assert_eq!(me.status, 200, "{}", me.text());
    assert_eq!(me.json()["session"]["login"], "lars.laerer@nordvik.test");

    // Without the cookie, the same request is refused.
    s.client().get("/api/v1/auth/session").await.problem(401);
}

#[tokio::test]
async fn search_answers_results_with_login_name_tenant_kind_and_a_cursor() {
    let s = common::start().await;
    let lars = s.login("lars.laerer@nordvik.test").await;
    let r = lars.send(lars.req(Method::GET, "/api/v1/directory/search").query(&[("q", "erik")])).await;
    assert_eq!(r.status, 200, "{}", r.text());
    assert!(r.header("content-type").unwrap_or_default().starts_with("application/json"));
    let b = r.json();
    let results = b["results"].as_array().expect("results is an array");
    assert!(!results.is_empty(), "lars finds someone called erik: {b}");
    for hit in results {
        for f in ["login", "name", "tenant", "kind"] {
            assert!(hit[f].as_str().is_some_and(|v| !v.is_empty()), "hit has `{f}`: {hit}");
        }
    }
    assert!(b.as_object().expect("object").contains_key("next_cursor"), "next_cursor is always present: {b}");
    let erik = results.iter().find(|h| h["login"] == "erik.ansatt@sorvik.test").expect("erik.ansatt is among the hits");
    assert_eq!(erik["tenant"], "sorvik");
    assert_eq!(erik["kind"], "employee");
    assert_eq!(erik["name"], "Erik Ansatt");
}

#[tokio::test]
async fn a_pupil_searching_a_hidden_pupil_gets_the_answer_of_a_nonsense_query() {
    let s = common::start().await;
    let per = s.login("per.elev@nordvik.test").await;
    let get = |q: &'static str| {
        let per = &per;
        async move { per.send(per.req(Method::GET, "/api/v1/directory/search").query(&[("q", q)])).await }
    };
    let hidden = get("sara.elev").await;
    let nonsense = get("qxzvjkwpt").await;
    assert_eq!(hidden.status, 200);
    assert_eq!(nonsense.status, 200);
    assert_eq!(hidden.body, nonsense.body, "byte-identical bodies:\n{}\n{}", hidden.text(), nonsense.text());
    assert_eq!(hidden.header("content-type"), nonsense.header("content-type"));

    // Sara exists (so the equality above is about concealment, not absence),
    // and per's search does work for people he may see.
    assert!(s.app.snapshot().dir.principal_by_login("sara.elev@sorvik.test").is_some());
    assert!(per.search("lars").await.contains(&"lars.laerer@nordvik.test".to_string()), "per finds his teacher");
}

#[tokio::test]
async fn a_pupil_does_not_find_a_health_worker_of_his_own_municipality() {
    let s = common::start().await;
    let per = s.login("per.elev@nordvik.test").await;
    for q in ["siri", "siri.saksbehandler", "saksbehandler", "siri.saksbehandler@nordvik.test"] {
        let found = per.search(q).await;
        assert!(
            !found.contains(&"siri.saksbehandler@nordvik.test".to_string()),
            "per searching {q:?} found siri: {found:?}"
        );
    }
    let hidden = per.get("/api/v1/directory/people/siri.saksbehandler@nordvik.test").await;
    let missing = per.get("/api/v1/directory/people/nobody@nordvik.test").await;
    assert_eq!(hidden.problem(404), missing.problem(404), "looking siri up is like looking up no one");
    // Lars, a colleague of siri, does find her: the refusal above is the barrier.
    let lars = s.login("lars.laerer@nordvik.test").await;
    assert!(lars.search("siri").await.contains(&"siri.saksbehandler@nordvik.test".to_string()));
}

#[tokio::test]
async fn a_teacher_finds_federated_employees_but_not_foreign_pupils() {
    let s = common::start().await;
    let lars = s.login("lars.laerer@nordvik.test").await;
    assert!(lars.search("erik").await.contains(&"erik.ansatt@sorvik.test".to_string()));
    assert!(lars.search("erik.ansatt@sorvik.test").await.contains(&"erik.ansatt@sorvik.test".to_string()));
    for q in ["sara", "sara.elev", "sara.elev@sorvik.test", "elev"] {
        let found = lars.search(q).await;
        assert!(!found.contains(&"sara.elev@sorvik.test".to_string()), "lars searching {q:?} found sara: {found:?}");
        assert!(
            found.iter().all(|l| !(l.ends_with("@sorvik.test") && is_pupil(&s, l))),
            "no sorvik pupil in {found:?}"
        );
    }
    // Looking sara up directly is "not found", like someone who does not exist.
    let hidden = lars.get("/api/v1/directory/people/sara.elev@sorvik.test").await;
    let missing = lars.get("/api/v1/directory/people/nobody@sorvik.test").await;
    assert_eq!(hidden.problem(404), missing.problem(404));
    let erik = lars.get("/api/v1/directory/people/erik.ansatt@sorvik.test").await;
    assert_eq!(erik.status, 200, "{}", erik.text());
}

fn is_pupil(s: &common::Server, login: &str) -> bool {
    s.app.snapshot().dir.principal_by_login(login).is_some_and(|p| p.kind == suveren_domain::PrincipalKind::Pupil)
}

#[tokio::test]
async fn the_operator_finds_no_principal_of_any_tenant() {
    let s = common::start().await;
    let op = s.login("operator").await;
    let me = op.get("/api/v1/auth/session").await.json();
    assert_eq!(me["session"]["mfa"], true, "the operator signed in with TOTP");
    for q in [
        "a",
        "e",
        "nordvik",
        "sorvik",
        "siri",
        "lars",
        "elev",
        "anna.admin",
        "erik ansatt",
        "test",
        "skole",
        "Helse og omsorg",
    ] {
        let r = op.send(op.req(Method::GET, "/api/v1/directory/search").query(&[("q", q)])).await;
        assert_eq!(r.status, 200, "{}", r.text());
        let b = r.json();
        let tenant_hits: Vec<_> =
            b["results"].as_array().expect("results").iter().filter(|h| h["tenant"] != "_operator").collect();
        assert!(tenant_hits.is_empty(), "operator searching {q:?} found {tenant_hits:?}");
        assert!(b["next_cursor"].is_null());
    }
    op.get("/api/v1/directory/people/lars.laerer@nordvik.test").await.problem(404);
}

#[tokio::test]
async fn an_app_password_works_over_basic_and_carries_the_creating_sessions_mfa() {
    let s = common::start().await;
    // Lars has no authenticator: his app password is a no-MFA credential.
    let lars = s.login("lars.laerer@nordvik.test").await;
    let r = lars.post("/api/v1/me/app-passwords", &json!({"label": "laptop"})).await;
    assert!(r.status == 200 || r.status == 201, "{}", r.text());
    let pw = r.json()["password"].as_str().expect("password shown once").to_string();
    let basic = s.basic("lars.laerer@nordvik.test", &pw).get("/api/v1/auth/session").await;
    assert_eq!(basic.status, 200, "{}", basic.text());
    assert_eq!(basic.json()["session"]["login"], "lars.laerer@nordvik.test");
    assert_eq!(basic.json()["session"]["mfa"], false);
    // Listing shows it without the secret.
    let list = lars.get("/api/v1/me/app-passwords").await;
    assert_eq!(list.status, 200);
    assert!(!list.text().contains(&pw), "the password is shown once only");
    assert_eq!(list.json()["app_passwords"][0]["label"], "laptop");

    // Siri signed in with TOTP: her app password carries MFA.
    let siri = s.login("siri.saksbehandler@nordvik.test").await;
    let r = siri.post("/api/v1/me/app-passwords", &json!({"label": "phone"})).await;
    assert!(r.status == 200 || r.status == 201, "{}", r.text());
    let spw = r.json()["password"].as_str().expect("password").to_string();
    let basic = s.basic("siri.saksbehandler@nordvik.test", &spw).get("/api/v1/auth/session").await;
    assert_eq!(basic.status, 200, "{}", basic.text());
    assert_eq!(basic.json()["session"]["mfa"], true);

    // Someone else's app password, or a wrong one, does not get in.
    s.basic("lars.laerer@nordvik.test", &spw).get("/api/v1/auth/session").await.problem(401);
    s.basic("lars.laerer@nordvik.test", "not-an-app-password").get("/api/v1/auth/session").await.problem(401);
}

#[tokio::test]
async fn pages_are_disjoint_and_cover_what_one_big_page_shows() {
    let s = common::start().await;
    let lars = s.login("lars.laerer@nordvik.test").await;
    let big = lars
        .send(lars.req(Method::GET, "/api/v1/directory/search").query(&[("q", "nordvik"), ("limit", "100")]))
        .await
        .json();
    assert!(big["next_cursor"].is_null(), "everything fits in one page of 100: {}", big["next_cursor"]);
    let all: Vec<String> = big["results"]
        .as_array()
        .expect("results")
        .iter()
        .map(|h| h["login"].as_str().expect("login").to_string())
        .collect();
    assert!(all.len() > 10, "enough hits to need several pages: {}", all.len());

    let mut paged = Vec::new();
    let mut cursor: Option<String> = None;
    let mut pages = 0;
    loop {
        let mut q = vec![("q", "nordvik".to_string()), ("limit", "2".to_string())];
        if let Some(c) = &cursor {
            q.push(("cursor", c.clone()));
        }
        let r = lars.send(lars.req(Method::GET, "/api/v1/directory/search").query(&q)).await;
        assert_eq!(r.status, 200, "{}", r.text());
        let b = r.json();
        let page = b["results"].as_array().expect("results");
        assert!(page.len() <= 2, "a page holds at most `limit` hits");
        paged.extend(page.iter().map(|h| h["login"].as_str().expect("login").to_string()));
        pages += 1;
        assert!(pages < 200, "pagination ends");
        match b["next_cursor"].as_str() {
            Some(c) => cursor = Some(c.to_string()),
            None => break,
        }
    }
    let unique: BTreeSet<&String> = paged.iter().collect();
    assert_eq!(unique.len(), paged.len(), "no hit appears on two pages: {paged:?}");
    assert_eq!(unique, all.iter().collect::<BTreeSet<_>>(), "the pages cover exactly the big page");
    assert_eq!(pages, all.len().div_ceil(2));

    // A cursor that is not one is refused, not ignored.
    let bad = lars
        .send(lars.req(Method::GET, "/api/v1/directory/search").query(&[("q", "nordvik"), ("cursor", "abc")]))
        .await;
    assert!(bad.status == 400 || bad.status == 422, "{}", bad.text());
}

#[tokio::test]
async fn prefix_and_typo_queries_find_lars() {
    let s = common::start().await;
    let siri = s.login("siri.saksbehandler@nordvik.test").await;
    for q in ["lar", "lras", "Lars Lærer", "lars laerer", "lærer"] {
        let found = siri.search(q).await;
        assert!(found.contains(&"lars.laerer@nordvik.test".to_string()), "{q:?} finds lars: {found:?}");
    }
    // Not everything matches everything.
    assert!(!siri.search("qxzvjkwpt").await.contains(&"lars.laerer@nordvik.test".to_string()));
}
