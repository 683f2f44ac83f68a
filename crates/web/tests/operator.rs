//! The operator console and federation consent in the browser: a tenant is
//! created by form (and refused with the service's reason when the slug is
//! bad or taken), given its first administrator, and shown with its use;
//! a federation link is proposed by the operator and becomes active only
//! after both tenants' administrators consent on their own page, which a
//! third tenant's administrator never sees; the health page says how each
//! part is doing; a suspended tenant's people are refused at sign-in with
//! the reason; a non-operator gets the 403 page.

mod common;

use common::{browser, csrf_of, sign_in, start, totp_now, Server};
use serde_json::Value;

const ANNA: &str = "anna.admin@nordvik.test";
const SOFIE: &str = "sofie.admin@sorvik.test";
const ERIK: &str = "erik.ansatt@sorvik.test";

async fn get(s: &Server, c: &reqwest::Client, path: &str) -> (u16, String) {
    let r = c.get(format!("{}{path}", s.base)).send().await.unwrap();
    // Apostrophes as the reader sees them (askama writes `&#39;`).
    (r.status().as_u16(), r.text().await.unwrap().replace("&#39;", "'"))
}

async fn page(s: &Server, c: &reqwest::Client, path: &str) -> String {
    let (status, html) = get(s, c, path).await;
    assert_eq!(status, 200, "{path}: {html}");
    html
}

async fn post(s: &Server, c: &reqwest::Client, path: &str, form: &[(&str, &str)]) -> reqwest::Response {
    c.post(format!("{}{path}", s.base)).form(form).send().await.unwrap()
}

fn location(r: &reqwest::Response) -> String {
    r.headers().get("location").map(|v| v.to_str().unwrap().to_string()).unwrap_or_default()
}

fn between<'a>(html: &'a str, start: &str, end: &str) -> &'a str {
    let i = html.find(start).unwrap_or_else(|| panic!("{start} in {html}")) + start.len();
    html[i..].split(end).next().unwrap()
}

/// The text of the `<section id=…>` of a page.
fn section<'a>(html: &'a str, id: &str) -> &'a str {
    between(html, &format!("id=\"{id}\""), "</section>")
}

async fn operator(s: &Server, lang: &str) -> (reqwest::Client, String) {
    let c = browser(s, lang);
    assert_eq!(sign_in(s, &c, "operator").await.status(), 303);
    let html = page(s, &c, "/operator").await;
    let token = csrf_of(&html);
    (c, token)
}

/// Creates a tenant and its first administrator through the console;
/// returns the administrator's password.
async fn tenant_with_admin(s: &Server, c: &reqwest::Client, token: &str, id: &str, name: &str, admin: &str) -> String {
    let domain = format!("{id}.test");
    let r = post(
        s,
        c,
        "/operator/tenants",
        &[("csrf", token), ("id", id), ("name", name), ("domain", &domain), ("preset", "norway"), ("quota_gb", "")],
    )
    .await;
    assert_eq!(r.status(), 303, "{}", r.text().await.unwrap());
    let pw = format!("{id}-Admin-passord-2026");
    let r = post(
        s,
        c,
        &format!("/operator/tenants/{id}/bootstrap-admin"),
        &[("csrf", token), ("login", admin), ("name", "Første Admin"), ("password", &pw)],
    )
    .await;
    assert_eq!(r.status(), 303, "{}", r.text().await.unwrap());
    pw
}

#[tokio::test]
async fn the_operator_creates_a_tenant_and_bad_or_taken_slugs_are_refused_with_a_reason() {
    let s = start().await;
    let (c, token) = operator(&s, "en").await;
    let html = page(&s, &c, "/operator").await;
    assert!(html.contains("<h2 id=\"create-h\">New tenant</h2>"), "{html}");
    assert!(html.contains("<label for=\"t-id\">Short name (id)</label>"));

    // Created: it is in the directory with what the form said.
    let r = post(
        &s,
        &c,
        "/operator/tenants",
        &[
            ("csrf", &token),
            ("id", "austvik"),
            ("name", "Austvik kommune"),
            ("domain", "austvik.test"),
            ("preset", "sweden"),
            ("quota_gb", "5"),
        ],
    )
    .await;
    assert_eq!(r.status(), 303);
    assert_eq!(location(&r), "/operator/tenants/austvik?ok=created");
    {
        let snap = s.app.snapshot();
        let t = &snap.dir.tenants["austvik"];
        assert_eq!((t.name.as_str(), t.domain.as_str()), ("Austvik kommune", "austvik.test"));
        assert_eq!(t.scheme.preset, "sweden");
        assert_eq!(t.quota_bytes, Some(5 << 30));
        assert!(!t.suspended);
    }
    // Its page: settings and use, and the first administrator's form.
    let html = page(&s, &c, "/operator/tenants/austvik?ok=created").await;
    assert!(html.contains("role=\"status\"") && html.contains("The tenant was created."), "{html}");
    assert!(html.contains("<h1>Austvik kommune</h1>"));
    assert!(html.contains("Sweden (KLASSA levels 0–3)") && html.contains("Måttlig skada"));
    assert!(html.contains("0 B of 5.0 GB used (0 %)."), "{html}");
    assert!(html.contains("The installation's master key"));
    assert!(html.contains("First administrator"));
    // And in the console's list, linking to that page.
    let html = page(&s, &c, "/operator").await;
    assert!(html.contains("<a href=\"/operator/tenants/austvik\">Austvik kommune</a>"), "{html}");

    // A bad slug: the service's reason next to the form, which keeps what
    // was typed; nothing is created.
    let r = post(
        &s,
        &c,
        "/operator/tenants",
        &[("csrf", &token), ("id", "Øst vik"), ("name", "Østvik"), ("domain", "ostvik.test"), ("preset", "norway")],
    )
    .await;
    assert_eq!(r.status(), 422);
    let html = r.text().await.unwrap();
    let create = section(&html, "create");
    assert!(create.contains("role=\"alert\""), "{create}");
    assert!(create.contains("may contain only lowercase letters a-z"), "{create}");
    assert!(create.contains("value=\"Østvik\"") && create.contains("value=\"ostvik.test\""), "{create}");
    assert!(create.contains("<option value=\"norway\" selected>"), "{create}");
    // A taken id, and a taken domain.
    let r = post(
        &s,
        &c,
        "/operator/tenants",
        &[("csrf", &token), ("id", "nordvik"), ("name", "Nordvik igjen"), ("domain", "ny-nordvik.test")],
    )
    .await;
    assert_eq!(r.status(), 422);
    let html = r.text().await.unwrap();
    assert!(section(&html, "create").contains("`nordvik` already exists."), "{html}");
    let r = post(
        &s,
        &c,
        "/operator/tenants",
        &[("csrf", &token), ("id", "nyvik"), ("name", "Nyvik"), ("domain", "sorvik.test")],
    )
    .await;
    assert_eq!(r.status(), 422);
    assert!(r.text().await.unwrap().contains("Another tenant already has the domain sorvik.test."));
    // A quota that is not a number.
    let r = post(
        &s,
        &c,
        "/operator/tenants",
        &[("csrf", &token), ("id", "nyvik"), ("name", "Nyvik"), ("domain", "nyvik.test"), ("quota_gb", "-3")],
    )
    .await;
    assert_eq!(r.status(), 422);
    assert!(r.text().await.unwrap().contains("The quota is a whole number of GiB"));
    // Without the form's token: refused.
    let r = post(&s, &c, "/operator/tenants", &[("id", "nyvik"), ("name", "Nyvik"), ("domain", "nyvik.test")]).await;
    assert_eq!(r.status(), 403);
    let ids: Vec<String> = s.app.snapshot().dir.tenants.keys().cloned().collect();
    assert_eq!(ids, ["austvik", "nordvik", "sorvik"], "nothing else was created");

    // The first administrator: created once, then the form is gone.
    let r = post(
        &s,
        &c,
        "/operator/tenants/austvik/bootstrap-admin",
        &[("csrf", &token), ("login", "ada.admin"), ("name", "Ada Admin"), ("password", "short")],
    )
    .await;
    assert_eq!(r.status(), 422);
    let html = r.text().await.unwrap();
    assert!(html.contains("role=\"alert\"") && html.contains("value=\"ada.admin\""), "{html}");
    let r = post(
        &s,
        &c,
        "/operator/tenants/austvik/bootstrap-admin",
        &[("csrf", &token), ("login", "ada.admin"), ("name", "Ada Admin"), ("password", "Austvik-admin-2026")],
    )
    .await;
    assert_eq!(r.status(), 303);
    let ada = s.app.snapshot().dir.principal_by_login("ada.admin@austvik.test").cloned().expect("created");
    assert!(ada.has_role(suveren_domain::Role::TenantAdmin));
    let html = page(&s, &c, "/operator/tenants/austvik?ok=admin").await;
    assert!(!html.contains("id=\"first-admin-h\""), "{html}");
    assert!(html.contains("<dd>1</dd>"), "one account: {html}");
}

#[tokio::test]
async fn a_federation_link_is_active_only_after_both_administrators_consent() {
    let s = start().await;
    let (op, token) = operator(&s, "en").await;
    // A third tenant with an administrator, to check it sees nothing.
    let vestvik_pw = tenant_with_admin(&s, &op, &token, "vestvik", "Vestvik kommune", "vera.admin").await;

    // The operator proposes nordvik's school ↔ sorvik's school.
    let html = page(&s, &op, "/operator").await;
    assert!(html.contains("<option value=\"nordvik:nordvik-school\""), "{html}");
    let r = post(
        &s,
        &op,
        "/operator/federation",
        &[("csrf", &token), ("side_a", "nordvik:nordvik-school"), ("side_b", "sorvik:sorvik-school")],
    )
    .await;
    assert_eq!(r.status(), 303);
    let link = s
        .app
        .snapshot()
        .dir
        .links
        .iter()
        .find(|l| l.segment_a == "nordvik:nordvik-school" && l.segment_b == "sorvik:sorvik-school")
        .cloned()
        .expect("the link is stored");
    assert!(!link.consent_a && !link.consent_b && !link.active());
    let html = page(&s, &op, "/operator?ok=proposed").await;
    let links = section(&html, "links");
    assert!(links.contains("The link was proposed."), "{links}");
    assert!(links.contains("Nordvik kommune (nordvik-school) ↔ Sørvik kommune (sorvik-school)"));
    assert!(links.contains("waiting for consent from Nordvik kommune and Sørvik kommune"), "{links}");
    // Both sides the same tenant: refused with the reason.
    let r = post(
        &s,
        &op,
        "/operator/federation",
        &[("csrf", &token), ("side_a", "nordvik:employees"), ("side_b", "nordvik:nordvik-school")],
    )
    .await;
    assert_eq!(r.status(), 422);
    let html = r.text().await.unwrap();
    assert!(section(&html, "links").contains("A federation link joins two different tenants."), "{html}");

    // Anna (Nordvik) sees it waiting, with what it opens, and consents.
    let anna = browser(&s, "en");
    assert_eq!(sign_in(&s, &anna, ANNA).await.status(), 303);
    let html = page(&s, &anna, "/admin").await;
    assert!(html.contains("href=\"/admin/federation\""), "linked from the admin page");
    let html = page(&s, &anna, "/admin/federation").await;
    let waiting = section(&html, "waiting");
    assert!(waiting.contains("nordvik-school of Nordvik kommune ↔ sorvik-school of Sørvik kommune"), "{waiting}");
    assert!(waiting.contains("Waiting for your consent and for Sørvik kommune's."), "{waiting}");
    assert!(waiting.contains("can find each other in the directory and share files with each other"));
    assert!(waiting.contains("Content may be shared across at these levels of yours: Åpen, Intern."), "{waiting}");
    // The demo's employees link is active.
    assert!(section(&html, "active").contains("employees of Nordvik kommune ↔ employees of Sørvik kommune"));
    let action = format!("/admin/federation/{}/consent", link.id);
    assert!(waiting.contains(&format!("action=\"{action}\"")));
    let atoken = csrf_of(&html);
    let r = post(&s, &anna, &action, &[("csrf", &atoken), ("consent", "1")]).await;
    assert_eq!(r.status(), 303);
    let l = s.app.snapshot().dir.links.iter().find(|l| l.id == link.id).cloned().unwrap();
    assert!(l.consent_a && !l.consent_b && !l.active(), "one consent opens nothing");
    let html = page(&s, &anna, "/admin/federation?ok=consented").await;
    assert!(html.contains("Your consent was recorded."));
    assert!(section(&html, "waiting").contains("You have consented; waiting for Sørvik kommune."), "{html}");

    // The third tenant's administrator sees neither link and cannot consent.
    let vera = browser(&s, "en");
    let r = post(
        &s,
        &vera,
        "/signin",
        &[("login", "vera.admin@vestvik.test"), ("password", &vestvik_pw), ("totp", ""), ("next", "/home")],
    )
    .await;
    assert_eq!(r.status(), 303);
    // Administration needs a second factor: enrol one (the session is renewed).
    let html = page(&s, &vera, "/settings").await;
    let vtoken = csrf_of(&html);
    let html = post(&s, &vera, "/settings/totp", &[("csrf", &vtoken)]).await.text().await.unwrap();
    let secret = between(&html, "id=\"totp-secret\">", "<").replace(' ', "");
    let r = post(&s, &vera, "/settings/totp/confirm", &[("csrf", &vtoken), ("code", &totp_now(&secret))]).await;
    assert_eq!(r.status(), 200);
    let html = page(&s, &vera, "/admin/federation").await;
    assert!(html.contains("No links are waiting for consent.") && html.contains("No active links."), "{html}");
    assert!(!html.contains("nordvik") && !html.contains("Nordvik") && !html.contains("Sørvik"), "{html}");
    let vtoken = csrf_of(&html);
    let r = post(&s, &vera, &action, &[("csrf", &vtoken), ("consent", "1")]).await;
    assert_eq!(r.status(), 404, "another tenant's link is not there");
    let l = s.app.snapshot().dir.links.iter().find(|l| l.id == link.id).cloned().unwrap();
    assert!(!l.consent_b);

    // Sofie (Sørvik) consents: now it is active.
    let sofie = browser(&s, "en");
    assert_eq!(sign_in(&s, &sofie, SOFIE).await.status(), 303);
    let html = page(&s, &sofie, "/admin/federation").await;
    let waiting = section(&html, "waiting");
    assert!(waiting.contains("sorvik-school of Sørvik kommune ↔ nordvik-school of Nordvik kommune"), "{waiting}");
    assert!(waiting.contains("Waiting for your consent; Nordvik kommune has consented."), "{waiting}");
    let stoken = csrf_of(&html);
    let r = post(&s, &sofie, &action, &[("csrf", &stoken), ("consent", "1")]).await;
    assert_eq!(r.status(), 303);
    let l = s.app.snapshot().dir.links.iter().find(|l| l.id == link.id).cloned().unwrap();
    assert!(l.active(), "both consented: active");
    let html = page(&s, &sofie, "/admin/federation").await;
    assert!(section(&html, "active").contains("sorvik-school of Sørvik kommune ↔ nordvik-school of Nordvik kommune"));
    assert!(html.contains("No links are waiting for consent."));
    // The operator's console says so too.
    let html = page(&s, &op, "/operator").await;
    let row = between(&html, "Nordvik kommune (nordvik-school) ↔ Sørvik kommune (sorvik-school)", "</tr>");
    assert!(row.contains(">active<"), "{row}");
    let html = page(&s, &op, "/operator/tenants/nordvik").await;
    assert!(html.contains("Nordvik kommune (nordvik-school) ↔ Sørvik kommune (sorvik-school)"), "{html}");
    // Still nothing for Vestvik.
    let html = page(&s, &vera, "/admin/federation").await;
    assert!(!html.contains("nordvik-school"));

    // Anna withdraws: closed at once.
    let r = post(&s, &anna, &action, &[("csrf", &atoken), ("consent", "0")]).await;
    assert_eq!(r.status(), 303);
    let l = s.app.snapshot().dir.links.iter().find(|l| l.id == link.id).cloned().unwrap();
    assert!(!l.consent_a && l.consent_b && !l.active());
    let html = page(&s, &anna, "/admin/federation?ok=withdrawn").await;
    assert!(html.contains("Your consent was withdrawn; the link is not active."));

    // The operator removes it.
    let r = post(&s, &op, "/operator/federation/remove", &[("csrf", &token), ("id", &link.id)]).await;
    assert_eq!(r.status(), 303);
    assert!(!s.app.snapshot().dir.links.iter().any(|l| l.id == link.id));
    let html = page(&s, &op, "/operator?ok=removed").await;
    assert!(html.contains("The link was removed."));
    assert!(!html.contains("(nordvik-school)"));
    // A tenant administrator cannot propose or remove links.
    let r = post(
        &s,
        &anna,
        "/operator/federation",
        &[("csrf", &atoken), ("side_a", "nordvik:employees"), ("side_b", "sorvik:employees")],
    )
    .await;
    assert_eq!(r.status(), 403);
    let r =
        post(&s, &anna, "/operator/federation/remove", &[("csrf", &atoken), ("id", "nordvik-sorvik-employees")]).await;
    assert_eq!(r.status(), 403);
    assert!(s.app.snapshot().dir.links.iter().any(|l| l.id == "nordvik-sorvik-employees"));
}

#[tokio::test]
async fn the_health_page_says_how_each_part_is_doing() {
    let s = start().await;
    let (c, _) = operator(&s, "en").await;
    let html = page(&s, &c, "/operator").await;
    assert!(html.contains("Ready: the database answers. Everything else works too."), "{html}");
    assert!(html.contains("href=\"/operator/health\""));
    s.app.index_catch_up().await.unwrap();
    let html = page(&s, &c, "/operator/health").await;
    assert!(html.contains("<h1>Health of the installation</h1>"));
    assert!(html.contains("role=\"status\" class=\"ok\" id=\"health-summary\">Everything is in order."), "{html}");
    assert!(html.contains("Database – <span class=\"tag\">in order</span>"), "{html}");
    assert!(html.contains("can be written to and read from."));
    assert!(html.contains(" of files stored in "), "{html}");
    // The jobs are not started by the test server: not yet due.
    assert!(html.contains("Search index and clean-up: not run yet since the server started"), "{html}");
    assert!(html.contains("The search index is up to date."));
    assert!(html.contains("The installation's master key file is in place."));
    assert!(html.contains("No hardware security module (PKCS#11) is configured."));
    // A job that runs is shown with its time.
    s.app.beats().beat(suveren_service::installation::Job::Upkeep);
    let html = page(&s, &c, "/operator/health").await;
    assert!(html.contains("Search index and clean-up: last ran "), "{html}");
    // In Norwegian too (chosen with the language selector).
    let (status, _) = get(&s, &c, "/language?l=nb&back=/operator/health").await;
    assert_eq!(status, 303);
    let html = page(&s, &c, "/operator/health").await;
    assert!(
        html.contains("Installasjonens tilstand") && html.contains("Database – <span class=\"tag\">i orden</span>")
    );
    assert!(html.contains("Søkeindeks og opprydding: kjørte sist "), "{html}");
    // The API answers the same, for the same operator.
    let r = c.get(format!("{}/api/v1/health", s.base)).send().await.unwrap();
    assert_eq!(r.status(), 200);
    let v: Value = r.json().await.unwrap();
    assert_eq!(v["state"], "ok", "{v}");
    assert_eq!(v["database"]["state"], "ok");
    assert_eq!(v["keys"]["master_key_file"], true);
    assert_eq!(v["jobs"].as_array().unwrap().len(), 3);
    // Not for a tenant administrator.
    let anna = browser(&s, "en");
    assert_eq!(sign_in(&s, &anna, ANNA).await.status(), 303);
    let (status, html) = get(&s, &anna, "/operator/health").await;
    assert_eq!(status, 403);
    assert!(html.contains("Only the installation's operators"), "{html}");
    assert_eq!(anna.get(format!("{}/api/v1/health", s.base)).send().await.unwrap().status(), 403);
}

#[tokio::test]
async fn a_suspended_tenants_people_are_refused_at_sign_in_with_the_reason() {
    let s = start().await;
    let (op, token) = operator(&s, "en").await;
    let r = post(&s, &op, "/operator/suspend", &[("csrf", &token), ("tenant", "sorvik"), ("suspend", "1")]).await;
    assert_eq!(r.status(), 303);
    assert!(s.app.snapshot().dir.tenants["sorvik"].suspended);

    // Erik (Sørvik) signs in with the right password: refused right there,
    // told why, and without a session.
    for (lang, reason) in [
        ("en", "Sørvik kommune is suspended; ask the operator."),
        ("nb", "Sørvik kommune er suspendert; ta kontakt med driftsoperatøren."),
    ] {
        let c = browser(&s, lang);
        let r = sign_in(&s, &c, ERIK).await;
        assert_ne!(r.status(), 303, "no session for a suspended tenant");
        assert!(r.headers().get("set-cookie").is_none(), "no session cookie");
        let html = r.text().await.unwrap();
        let alert = between(&html, "role=\"alert\"", "</p>");
        assert!(alert.contains(reason), "{lang}: {alert}");
        let (status, _) = get(&s, &c, "/home").await;
        assert_eq!(status, 303, "not signed in");
    }
    // A wrong password still says only that: the suspension is told to
    // those who know the password.
    let c = browser(&s, "en");
    let r =
        post(&s, &c, "/signin", &[("login", ERIK), ("password", "not-his-password"), ("totp", ""), ("next", "/home")])
            .await;
    let html = r.text().await.unwrap();
    assert!(html.contains("Wrong login or password.") && !html.contains("suspended"), "{html}");
    // The API's sign-in refuses the same way.
    let pw = &s.creds[ERIK].0;
    let r = reqwest::Client::new()
        .post(format!("{}/api/v1/auth/login", s.base))
        .json(&serde_json::json!({"login": ERIK, "password": pw}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
    let p: Value = r.json().await.unwrap();
    assert_eq!(p["detail"], "Sørvik kommune is suspended; ask the operator.", "{p}");
    // Resumed: he signs in again.
    let r = post(&s, &op, "/operator/suspend", &[("csrf", &token), ("tenant", "sorvik"), ("suspend", "0")]).await;
    assert_eq!(r.status(), 303);
    let c = browser(&s, "en");
    let r = sign_in(&s, &c, ERIK).await;
    assert_eq!(r.status(), 303);
    assert_eq!(get(&s, &c, "/home").await.0, 200);
}

#[tokio::test]
async fn a_non_operator_gets_the_403_page_on_the_console() {
    let s = start().await;
    for who in [ANNA, "lars.laerer@nordvik.test"] {
        let c = browser(&s, "en");
        assert_eq!(sign_in(&s, &c, who).await.status(), 303);
        for path in ["/operator", "/operator/health", "/operator/tenants/nordvik"] {
            let (status, html) = get(&s, &c, path).await;
            assert_eq!(status, 403, "{who} {path}");
            assert!(html.contains("Only the installation's operators may do this."), "{who} {path}: {html}");
            assert!(!html.contains("Sørvik kommune"), "{who} {path}: nothing of the console");
        }
        // Nor can they create a tenant with their own form token.
        let token = csrf_of(&page(&s, &c, "/settings").await);
        let r = post(
            &s,
            &c,
            "/operator/tenants",
            &[("csrf", &token), ("id", "snikvik"), ("name", "Snikvik"), ("domain", "snikvik.test")],
        )
        .await;
        assert_eq!(r.status(), 403, "{who}");
        assert!(!s.app.snapshot().dir.tenants.contains_key("snikvik"));
    }
    // Not signed in: to the sign-in page.
    let c = browser(&s, "en");
    let r = c.get(format!("{}/operator", s.base)).send().await.unwrap();
    assert_eq!(r.status(), 303);
    assert!(location(&r).starts_with("/?expired=1"));
}
