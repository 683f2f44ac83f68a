//! Sign-in security through the HTTP API: cookie flags, session rotation on
//! sign-in, sign-out and sign-out everywhere, idle and absolute timeouts,
//! lockout per account and source, identical answers for unknown accounts,
//! TOTP replay, privilege changes ending sessions, and app passwords that
//! carry (or lack) the second factor of the session that made them.

mod common;

use std::net::IpAddr;
use std::time::Duration;

use common::Server;
use serde_json::json;
use suveren_api::HttpOptions;
use suveren_service::Settings;

const LARS: &str = "lars.laerer@nordvik.test";
const SIRI: &str = "siri.saksbehandler@nordvik.test";

async fn session_ok(s: &Server, token: &str) -> bool {
    let r = s.with_token(token).get("/api/v1/auth/session").await;
    match r.status {
        200 => true,
        401 => {
            r.problem(401);
            false
        }
        other => panic!("session check answered {other}: {}", r.text()),
    }
}

async fn login_token(s: &Server, c: &common::Client, login: &str) -> String {
    c.login(s, login).await.session_cookie().expect("login sets the session cookie")
}

#[tokio::test]
async fn the_session_cookie_is_http_only_and_same_site_lax() {
    let s = common::start().await;
    let r = s.client().login(&s, LARS).await;
    let set = r.header("set-cookie").expect("set-cookie");
    let attrs: Vec<String> = set.split(';').map(|a| a.trim().to_ascii_lowercase()).collect();
    assert!(attrs[0].starts_with("suveren_session="), "{set}");
    for want in ["httponly", "samesite=lax", "path=/"] {
        assert!(attrs.iter().any(|a| a == want), "{want} in {set}");
    }
    assert!(!attrs.iter().any(|a| a.starts_with("domain")), "host-only cookie: {set}");
    assert_eq!(r.header("cache-control").as_deref(), Some("no-store"));

    // Behind TLS the cookie is `__Host-` prefixed and Secure.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let base = format!("http://{}", listener.local_addr().expect("addr"));
    let router = suveren_api::router(s.app.clone(), HttpOptions { cookie_secure: true, trusted_proxies: vec![] });
    tokio::spawn(suveren_api::serve(listener, router, std::future::pending()));
    let body = json!({"login": "per.elev@nordvik.test", "password": s.password("per.elev@nordvik.test")});
    let r = reqwest::Client::new().post(format!("{base}/api/v1/auth/login")).json(&body).send().await.expect("login");
    assert_eq!(r.status(), 200);
    let set = r.headers()["set-cookie"].to_str().expect("ascii").to_string();
    assert!(set.starts_with("__Host-suveren_session="), "{set}");
    for want in ["; Secure", "; HttpOnly", "; SameSite=Lax", "; Path=/"] {
        assert!(set.contains(want), "{want} in {set}");
    }
}

#[tokio::test]
async fn signing_in_again_rotates_the_session() {
    let s = common::start().await;
    let c = s.client();
    let first = login_token(&s, &c, LARS).await;
    assert!(session_ok(&s, &first).await);
    // The same browser signs in again: it sends its cookie, which must die.
    let second = login_token(&s, &c, LARS).await;
    assert_ne!(first, second, "a new session id on every sign-in");
    assert!(!session_ok(&s, &first).await, "the old session ends on sign-in");
    assert!(session_ok(&s, &second).await);
    assert_eq!(c.get("/api/v1/auth/session").await.status, 200, "the browser holds the new cookie");
    // Another browser's sign-in leaves this one alone.
    let other = login_token(&s, &s.client(), LARS).await;
    assert!(session_ok(&s, &second).await && session_ok(&s, &other).await);
}

#[tokio::test]
async fn logout_ends_the_session_and_logout_everywhere_ends_all() {
    let s = common::start().await;
    let c = s.client();
    let tok = login_token(&s, &c, LARS).await;
    let r = c.post("/api/v1/auth/logout", &json!({})).await;
    assert_eq!(r.status, 204, "{}", r.text());
    assert!(r.header("set-cookie").is_some_and(|v| v.contains("Max-Age=0")), "the cookie is cleared");
    assert!(!session_ok(&s, &tok).await, "a saved copy of the cookie is useless");
    c.get("/api/v1/auth/session").await.problem(401);

    let (a, b) = (s.client(), s.client());
    let (ta, tb) = (login_token(&s, &a, LARS).await, login_token(&s, &b, LARS).await);
    let siri = login_token(&s, &s.client(), SIRI).await;
    assert!(session_ok(&s, &ta).await && session_ok(&s, &tb).await);
    assert_eq!(a.post("/api/v1/auth/logout-everywhere", &json!({})).await.status, 204);
    assert!(!session_ok(&s, &ta).await, "the caller's session ends");
    assert!(!session_ok(&s, &tb).await, "the other browser's session ends");
    assert!(session_ok(&s, &siri).await, "other people's sessions stay");
}

#[tokio::test]
async fn an_idle_session_expires() {
    let settings = Settings { session_idle: Duration::from_secs(1), ..Default::default() };
    let s = common::start_with(settings, HttpOptions::default()).await;
    let tok = login_token(&s, &s.client(), LARS).await;
    assert!(session_ok(&s, &tok).await, "fresh session works");
    // last_seen is only touched once a minute, so 2 s without a touch is idle.
    tokio::time::sleep(Duration::from_millis(2200)).await;
    assert!(!session_ok(&s, &tok).await, "idle session refused");
    let again = login_token(&s, &s.client(), LARS).await;
    assert!(session_ok(&s, &again).await, "signing in again works");
}

#[tokio::test]
async fn a_session_ends_at_its_absolute_lifetime_even_when_used() {
    let settings = Settings {
        session_idle: Duration::from_secs(3600),
        session_absolute: Duration::from_secs(2),
        ..Default::default()
    };
    let s = common::start_with(settings, HttpOptions::default()).await;
    let tok = login_token(&s, &s.client(), LARS).await;
    let t0 = std::time::Instant::now();
    for _ in 0..2 {
        assert!(session_ok(&s, &tok).await, "in use within its lifetime");
        tokio::time::sleep(Duration::from_millis(600)).await;
    }
    // Whole seconds are compared: 3.2 s after sign-in is past 2 s for sure.
    tokio::time::sleep(Duration::from_millis(3200).saturating_sub(t0.elapsed())).await;
    assert!(!session_ok(&s, &tok).await, "past its absolute lifetime although in use");
}

#[tokio::test]
async fn five_failures_lock_one_source_out_of_one_account_only() {
    let proxy: IpAddr = "127.0.0.1".parse().expect("ip");
    let s = common::start_with(Settings::default(), HttpOptions { cookie_secure: false, trusted_proxies: vec![proxy] })
        .await;
    let attacker = s.forwarded_for("203.0.113.5");
    for i in 0..5 {
        let r =
            attacker.post("/api/v1/auth/login", &json!({"login": LARS, "password": format!("wrong-guess-{i}")})).await;
        r.problem(401);
    }
    let r = attacker.post("/api/v1/auth/login", &json!({"login": LARS, "password": s.password(LARS)})).await;
    let b = r.problem(429);
    let retry: u64 = r.header("retry-after").expect("Retry-After").parse().expect("seconds");
    assert!(retry > 0 && retry <= 15 * 60, "Retry-After {retry}");
    assert!(r.session_cookie().is_none(), "no session while locked: {b}");

    // The owner, from their own address, still gets in.
    let owner = s.forwarded_for("198.51.100.7");
    let r = owner.post("/api/v1/auth/login", &json!({"login": LARS, "password": s.password(LARS)})).await;
    assert_eq!(r.status, 200, "{}", r.text());
    assert!(r.session_cookie().is_some());
    // And the locked-out source may still sign in to other accounts.
    let per = "per.elev@nordvik.test";
    let r = attacker.post("/api/v1/auth/login", &json!({"login": per, "password": s.password(per)})).await;
    assert_eq!(r.status, 200, "{}", r.text());
}

#[tokio::test]
async fn a_forged_forwarded_for_does_not_dodge_the_lockout() {
    // No proxy is trusted: X-Forwarded-For is the client's own claim.
    let s = common::start().await;
    let erik = "erik.ansatt@sorvik.test";
    for i in 0..5 {
        let r = s
            .forwarded_for(&format!("10.0.0.{i}"))
            .post("/api/v1/auth/login", &json!({"login": erik, "password": "wrong-guess"}))
            .await;
        r.problem(401);
    }
    let r = s
        .forwarded_for("10.0.0.99")
        .post("/api/v1/auth/login", &json!({"login": erik, "password": s.password(erik)}))
        .await;
    r.problem(429);
    assert!(r.header("retry-after").is_some());
}

#[tokio::test]
async fn unknown_accounts_wrong_passwords_and_disabled_accounts_look_alike() {
    let s = common::start().await;
    let anna = s.login("anna.admin@nordvik.test").await;
    let r = anna.patch("/api/v1/tenants/nordvik/principals/per.elev@nordvik.test", &json!({"disabled": true})).await;
    assert_eq!(r.status, 200, "{}", r.text());
    let anon = s.client();
    let attempt = |login: &'static str, pw: String| {
        let anon = &anon;
        async move { anon.post("/api/v1/auth/login", &json!({"login": login, "password": pw})).await }
    };
    let wrong = attempt(LARS, "wrong-password-123".into()).await;
    let unknown = attempt("nobody@nordvik.test", "wrong-password-123".into()).await;
    let foreign = attempt("nobody@nowhere.test", "wrong-password-123".into()).await;
    let disabled = attempt("per.elev@nordvik.test", s.password("per.elev@nordvik.test")).await;
    let b = wrong.problem(401);
    for (what, r) in [("unknown", &unknown), ("unknown domain", &foreign), ("disabled", &disabled)] {
        assert_eq!(r.problem(401), b, "{what} answers like a wrong password");
    }
}

#[tokio::test]
async fn an_authenticator_code_counts_once() {
    let s = common::start().await;
    let secret = s.creds[SIRI].totp.clone().expect("siri has TOTP");
    let code = suveren_identity::totp::code_at(&secret, common::unix_now()).expect("code");
    let body = |code: &str| json!({"login": SIRI, "password": s.password(SIRI), "totp": code});

    let r = s.client().post("/api/v1/auth/login", &json!({"login": SIRI, "password": s.password(SIRI)})).await;
    assert_eq!(r.problem(401)["type"], "/problems/mfa-required", "the password alone is not enough");
    let first = s.client().post("/api/v1/auth/login", &body(&code)).await;
    assert_eq!(first.status, 200, "{}", first.text());
    assert_eq!(first.json()["session"]["mfa"], true);
    let replay = s.client().post("/api/v1/auth/login", &body(&code)).await;
    let b = replay.problem(401);
    assert!(replay.session_cookie().is_none(), "{b}");
    // The next step's code is fresh and accepted.
    let next = suveren_identity::totp::code_at(&secret, common::unix_now() + 30).expect("code");
    let r = s.client().post("/api/v1/auth/login", &body(&next)).await;
    assert_eq!(r.status, 200, "{}", r.text());
    s.client().post("/api/v1/auth/login", &body("000000")).await.problem(401);
}

#[tokio::test]
async fn changing_roles_or_disabling_ends_the_users_sessions() {
    let s = common::start().await;
    let anna = s.login("anna.admin@nordvik.test").await;
    let lars_tok = login_token(&s, &s.client(), LARS).await;
    let siri = s.login(SIRI).await;
    let siri_pw = siri.post("/api/v1/me/app-passwords", &json!({"label": "phone"})).await.json()["password"]
        .as_str()
        .expect("pw")
        .to_string();
    let siri_basic = s.basic(SIRI, &siri_pw);
    assert_eq!(siri_basic.get("/api/v1/auth/session").await.status, 200);

    // A change that grants nothing keeps the session.
    let r = anna.patch(&format!("/api/v1/tenants/nordvik/principals/{LARS}"), &json!({"name": "Lars Lærer"})).await;
    assert_eq!(r.status, 200, "{}", r.text());
    assert!(session_ok(&s, &lars_tok).await, "no privilege change, session stays");
    let r = anna.patch(&format!("/api/v1/tenants/nordvik/principals/{LARS}"), &json!({"roles": ["auditor"]})).await;
    assert_eq!(r.status, 200, "{}", r.text());
    assert!(!session_ok(&s, &lars_tok).await, "a role change ends the session");
    let r = s.client().login(&s, LARS).await;
    assert_eq!(r.json()["session"]["roles"], json!(["auditor"]), "the new session has the new role");

    // An administrator's password reset (say, after a phished password)
    // throws out whoever holds a session.
    let per = "per.elev@nordvik.test";
    let per_tok = login_token(&s, &s.client(), per).await;
    let new_pw = "Nytt-passord-for-per-2026";
    let r = anna.patch(&format!("/api/v1/tenants/nordvik/principals/{per}"), &json!({"password": new_pw})).await;
    assert_eq!(r.status, 200, "{}", r.text());
    assert!(!session_ok(&s, &per_tok).await, "a password reset ends the sessions");
    s.client().post("/api/v1/auth/login", &json!({"login": per, "password": s.password(per)})).await.problem(401);
    s.login_password(per, new_pw).await;

    let r = anna.patch(&format!("/api/v1/tenants/nordvik/principals/{SIRI}"), &json!({"disabled": true})).await;
    assert_eq!(r.status, 200, "{}", r.text());
    siri.get("/api/v1/auth/session").await.problem(401);
    siri_basic.get("/api/v1/auth/session").await.problem(401);
    let body = s.login_body(SIRI).await;
    s.client().post("/api/v1/auth/login", &body).await.problem(401);
}

#[tokio::test]
async fn administration_needs_a_second_factor_and_enrolling_one_unlocks_it() {
    let s = common::start().await;
    let anna = s.login("anna.admin@nordvik.test").await;
    let pw = "Tina-er-ny-admin-2026";
    let r = anna.post("/api/v1/tenants/nordvik/principals", &json!({"login": "tina.admin", "name": "Tina Admin", "kind": "employee", "roles": ["tenant_admin"], "password": pw})).await;
    assert_eq!(r.status, 201, "{}", r.text());

    // Tina has no authenticator yet: her session and app password lack MFA.
    let tina = s.login_password("tina.admin@nordvik.test", pw).await;
    let b = tina.get("/api/v1/tenants/nordvik/principals").await.problem(403);
    assert_eq!(b["rule"], "authentication", "{b}");
    let r = tina.post("/api/v1/me/app-passwords", &json!({"label": "script"})).await;
    let tina_app = r.json()["password"].as_str().expect("pw").to_string();
    let tina_basic = s.basic("tina.admin@nordvik.test", &tina_app);
    assert_eq!(tina_basic.get("/api/v1/auth/session").await.json()["session"]["mfa"], false);
    let b = tina_basic.get("/api/v1/tenants/nordvik/principals").await.problem(403);
    assert_eq!(b["rule"], "authentication", "{b}");
    tina_basic.post("/api/v1/tenants/nordvik/groups", &json!({"name": "from-tina"})).await.problem(403);

    // Anna's app password, made right after a TOTP sign-in, administers.
    let r = anna.post("/api/v1/me/app-passwords", &json!({"label": "script"})).await;
    let anna_app = r.json()["password"].as_str().expect("pw").to_string();
    let anna_basic = s.basic("anna.admin@nordvik.test", &anna_app);
    let r = anna_basic.get("/api/v1/tenants/nordvik/principals").await;
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(anna_basic.post("/api/v1/tenants/nordvik/groups", &json!({"name": "from-anna"})).await.status, 201);
    let groups = anna.get("/api/v1/tenants/nordvik/groups").await.text();
    assert!(groups.contains("from-anna") && !groups.contains("from-tina"), "{groups}");
    // An app password cannot mint another one.
    anna_basic.post("/api/v1/me/app-passwords", &json!({"label": "again"})).await.problem(422);

    // Tina enrols an authenticator: the session is rotated and now has MFA.
    let old_tok = login_token_password(&tina, "tina.admin@nordvik.test", pw).await;
    let secret = tina.post("/api/v1/me/totp", &json!({})).await.json()["secret"].as_str().expect("secret").to_string();
    let wrong = tina.post("/api/v1/me/totp/confirm", &json!({"code": "000000"})).await;
    assert!(wrong.status == 422 || wrong.status == 401, "a wrong code does not enrol: {}", wrong.text());
    let code = suveren_identity::totp::code_at(&secret, common::unix_now()).expect("code");
    let r = tina.post("/api/v1/me/totp/confirm", &json!({"code": code})).await;
    assert_eq!(r.status, 200, "{}", r.text());
    let codes: Vec<String> = serde_json::from_value(r.json()["recovery_codes"].clone()).expect("recovery codes");
    assert!(codes.len() >= 5, "{codes:?}");
    assert!(!session_ok(&s, &old_tok).await, "enrolment rotates the session");
    assert_eq!(tina.get("/api/v1/tenants/nordvik/principals").await.status, 200, "the new session administers");
    // The password alone no longer signs tina in; a recovery code does, once.
    let body = |extra: serde_json::Value| {
        let mut b = json!({"login": "tina.admin@nordvik.test", "password": pw});
        b.as_object_mut().expect("object").extend(extra.as_object().expect("object").clone());
        b
    };
    s.client().post("/api/v1/auth/login", &body(json!({}))).await.problem(401);
    let r = s.client().post("/api/v1/auth/login", &body(json!({"recovery_code": codes[0]}))).await;
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(r.json()["session"]["mfa"], true);
    s.client().post("/api/v1/auth/login", &body(json!({"recovery_code": codes[0]}))).await.problem(401);
}

/// Signs `c` in again with a password and returns the new session token.
async fn login_token_password(c: &common::Client, login: &str, pw: &str) -> String {
    let r = c.post("/api/v1/auth/login", &json!({"login": login, "password": pw})).await;
    assert_eq!(r.status, 200, "{}", r.text());
    r.session_cookie().expect("cookie")
}
