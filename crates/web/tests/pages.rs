//! The web UI's edge on the demo installation: sign-in by form, pages in
//! three languages, CSRF and origin checks, and headers that keep every
//! asset local.

mod common;

use common::{browser, csrf_of, sign_in, start};
use reqwest::redirect::Policy;

#[tokio::test]
async fn sign_in_by_form_then_home_in_the_browsers_language() {
    let s = start().await;
    let c = browser(&s, "sv-SE,sv;q=0.9");
    // Not signed in: home sends to the sign-in page, which says why.
    let r = c.get(format!("{}/home", s.base)).send().await.unwrap();
    assert_eq!(r.status(), 303);
    let to = r.headers()["location"].to_str().unwrap().to_string();
    assert!(to.starts_with("/?expired=1&next=/home"), "{to}");
    let page = c.get(format!("{}{to}", s.base)).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("<html lang=\"sv\">") && page.contains("Logga in"), "{page}");
    assert!(page.contains("Din session har avslutats"));
    // A wrong password: the page says so, in Swedish, and keeps the login.
    let r = c
        .post(format!("{}/signin", s.base))
        .form(&[("login", "lars.laerer@nordvik.test"), ("password", "wrong-password-123"), ("next", "/home")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
    let page = r.text().await.unwrap();
    assert!(page.contains("role=\"alert\"") && page.contains("Inloggningen misslyckades"), "{page}");
    assert!(page.contains("value=\"lars.laerer@nordvik.test\""));
    let r = sign_in(&s, &c, "lars.laerer@nordvik.test").await;
    assert_eq!(r.status(), 303);
    assert_eq!(r.headers()["location"], "/home");
    let home = c.get(format!("{}/home", s.base)).send().await.unwrap();
    assert_eq!(home.status(), 200);
    let csp = home.headers()["content-security-policy"].to_str().unwrap().to_string();
    assert!(csp.contains("script-src 'self'") && !csp.contains("unsafe-inline"), "{csp}");
    let html = home.text().await.unwrap();
    assert!(html.contains("Välkommen, Lars Lærer"), "{html}");
    assert!(html.contains("Nordvik skole – lærere"), "his team drive is listed");
    // Nothing on the page comes from elsewhere.
    for attr in ["src=\"", "href=\""] {
        for part in html.split(attr).skip(1) {
            let url = part.split('"').next().unwrap();
            assert!(url.starts_with('/') || url.starts_with('#'), "{attr}{url}");
        }
    }
    // The language selector switches and remembers.
    let r = c.get(format!("{}/language?l=en&back=/home", s.base)).send().await.unwrap();
    assert_eq!(r.headers()["location"], "/home");
    let html = c.get(format!("{}/home", s.base)).send().await.unwrap().text().await.unwrap();
    assert!(html.contains("<html lang=\"en\">") && html.contains("Welcome, Lars Lærer"));
    // An off-site `back` is not followed.
    let r = c.get(format!("{}/language?l=nb&back=//evil.example/", s.base)).send().await.unwrap();
    assert_eq!(r.headers()["location"], "/home");
}

#[tokio::test]
async fn state_changes_need_our_origin_and_the_sessions_token() {
    let s = start().await;
    let c = browser(&s, "nb");
    assert_eq!(sign_in(&s, &c, "lars.laerer@nordvik.test").await.status(), 303);
    let html = c.get(format!("{}/home", s.base)).send().await.unwrap().text().await.unwrap();
    let token = csrf_of(&html);
    // Sign-out without the token: refused, still signed in.
    let r = c.post(format!("{}/signout", s.base)).form(&[("csrf", "nope")]).send().await.unwrap();
    assert_eq!(r.status(), 403);
    assert!(r.text().await.unwrap().contains("Skjemaet var utløpt"));
    assert_eq!(c.get(format!("{}/home", s.base)).send().await.unwrap().status(), 200);
    // From another site, even with the token: refused.
    let r = c
        .post(format!("{}/signout", s.base))
        .header("origin", "https://evil.example")
        .form(&[("csrf", token.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
    // A sign-in posted from another site is refused too (login CSRF).
    let other = reqwest::Client::builder().redirect(Policy::none()).build().unwrap();
    let (pw, _) = &s.creds["per.elev@nordvik.test"];
    let r = other
        .post(format!("{}/signin", s.base))
        .header("origin", "https://evil.example")
        .form(&[("login", "per.elev@nordvik.test"), ("password", pw.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
    // With both: signed out, and home sends to sign-in again.
    let r = c.post(format!("{}/signout", s.base)).form(&[("csrf", token.as_str())]).send().await.unwrap();
    assert_eq!(r.status(), 303);
    assert_eq!(c.get(format!("{}/home", s.base)).send().await.unwrap().status(), 303);
}

#[tokio::test]
async fn assets_are_ours_cacheable_and_small() {
    let s = start().await;
    let c = browser(&s, "en");
    let html = c.get(format!("{}/", s.base)).send().await.unwrap().text().await.unwrap();
    let mut total = html.len();
    for attr in ["<link rel=\"stylesheet\" href=\"", "<script src=\""] {
        let url = html.split(attr).nth(1).unwrap().split('"').next().unwrap().to_string();
        let r = c.get(format!("{}{url}", s.base)).send().await.unwrap();
        assert_eq!(r.status(), 200, "{url}");
        assert!(r.headers()["cache-control"].to_str().unwrap().contains("immutable"));
        total += r.bytes().await.unwrap().len();
    }
    // The first page of a slow school laptop: well under 100 KB.
    assert!(total < 100_000, "{total} bytes");
}

#[tokio::test]
async fn the_sign_in_page_offers_each_configured_municipality() {
    let mut settings = suveren_service::Settings::default();
    settings.oidc.push(suveren_service::OidcSettings {
        tenant: "nordvik".into(),
        issuer: "https://login.nordvik.test".into(),
        client_id: "suveren".into(),
        client_secret: None,
        redirect_url: "http://127.0.0.1/api/v1/auth/oidc/callback".into(),
        login_claim: "email".into(),
        assume_mfa: false,
    });
    let s = common::start_with(settings).await;
    let html = browser(&s, "nb").get(format!("{}/", s.base)).send().await.unwrap().text().await.unwrap();
    assert!(html.contains("Logg inn med kommunens pålogging"), "{html}");
    assert!(html.contains("href=\"/api/v1/auth/oidc/nordvik/start\"") && html.contains("Logg inn med Nordvik kommune"));
    assert!(!html.contains("Sørvik") && !html.contains("sorvik"), "only configured providers are offered");
}

#[tokio::test]
async fn unknown_pages_answer_with_a_page_and_the_api_keeps_its_json() {
    let s = start().await;
    let c = browser(&s, "sv");
    let r = c.get(format!("{}/drive/", s.base)).send().await.unwrap();
    assert_eq!(r.status(), 404);
    assert!(r.headers()["content-type"].to_str().unwrap().starts_with("text/html"));
    assert!(r.text().await.unwrap().contains("Hittades inte"));
    let r = c.get(format!("{}/api/v1/nothing-here", s.base)).send().await.unwrap();
    assert_eq!(r.status(), 404);
    assert!(r.headers()["content-type"].to_str().unwrap().starts_with("application/problem+json"));
    // A malformed form is a page that says what was wrong, not axum's text.
    let r = c.post(format!("{}/signin", s.base)).form(&[("login", "x")]).send().await.unwrap();
    assert_eq!(r.status(), 422);
    let html = r.text().await.unwrap();
    assert!(html.contains("Formuläret kunde inte läsas") && html.contains("role=\"alert\""), "{html}");
}
