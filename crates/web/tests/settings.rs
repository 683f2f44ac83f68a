//! Settings and people search in the browser: an app password is created
//! by form, shown once, then listed without its secret and revoked; TOTP
//! enrolment shows a QR code and rotates the session; people search shows
//! only those the caller may discover.

mod common;

use common::{browser, csrf_of, sign_in, start, totp_now, Server};

const LARS: &str = "lars.laerer@nordvik.test";

async fn get(s: &Server, c: &reqwest::Client, path: &str) -> String {
    let r = c.get(format!("{}{path}", s.base)).send().await.unwrap();
    assert_eq!(r.status(), 200, "{path}");
    r.text().await.unwrap()
}

async fn post(s: &Server, c: &reqwest::Client, path: &str, form: &[(&str, &str)]) -> reqwest::Response {
    c.post(format!("{}{path}", s.base)).form(form).send().await.unwrap()
}

fn between<'a>(html: &'a str, start: &str, end: &str) -> &'a str {
    let i = html.find(start).unwrap_or_else(|| panic!("{start} in {html}")) + start.len();
    html[i..].split(end).next().unwrap()
}

#[tokio::test]
async fn an_app_password_is_shown_once_listed_without_its_secret_and_revoked() {
    let s = start().await;
    let c = browser(&s, "en");
    assert_eq!(sign_in(&s, &c, LARS).await.status(), 303);
    let html = get(&s, &c, "/settings").await;
    assert!(html.contains("You have no app passwords."), "{html}");
    assert!(html.contains(&format!("/dav/files/{LARS}/")), "the WebDAV address for the how-tos");
    assert!(html.contains("Map network drive") && html.contains("Connect to Server") && html.contains("type = webdav"));
    let token = csrf_of(&html);
    // Without the token: refused.
    let r = post(&s, &c, "/settings/app-passwords", &[("label", "Laptop")]).await;
    assert_eq!(r.status(), 403);
    assert!(s.app.app_password_actor(LARS, "x", None).await.unwrap().is_none());
    // Created: shown once, in a status box.
    let r = post(&s, &c, "/settings/app-passwords", &[("csrf", &token), ("label", "Work laptop – Explorer")]).await;
    assert_eq!(r.status(), 200);
    let html = r.text().await.unwrap();
    assert!(html.contains("role=\"status\""), "{html}");
    assert!(html.contains("shown only this once"));
    let pw = between(&html, "id=\"new-app-password\">", "<").to_string();
    assert!(pw.len() > 16, "{pw}");
    assert!(s.app.app_password_actor(LARS, &pw, None).await.unwrap().is_some(), "the password works");
    // Listed by name, never again with the secret.
    let html = get(&s, &c, "/settings").await;
    assert!(html.contains("<td>Work laptop – Explorer</td>"), "{html}");
    assert!(!html.contains(&pw), "{pw}");
    assert!(!html.contains("new-app-password"));
    // An empty name: the service's reason, inline.
    let r = post(&s, &c, "/settings/app-passwords", &[("csrf", &token), ("label", "  ")]).await;
    assert_eq!(r.status(), 422);
    assert!(r.text().await.unwrap().contains("role=\"alert\""));
    // Revoked by its button.
    let action = between(&html, "action=\"/settings/app-passwords/", "\"").to_string();
    let r = post(&s, &c, &format!("/settings/app-passwords/{action}"), &[("csrf", &token)]).await;
    assert_eq!(r.status(), 303);
    let html = get(&s, &c, "/settings?done=revoked").await;
    assert!(html.contains("The app password is revoked.") && html.contains("You have no app passwords."));
    assert!(s.app.app_password_actor(LARS, &pw, None).await.unwrap().is_none(), "it no longer works");
}

#[tokio::test]
async fn totp_enrolment_shows_a_qr_code_and_keeps_the_user_signed_in() {
    let s = start().await;
    let c = browser(&s, "nb");
    assert_eq!(sign_in(&s, &c, LARS).await.status(), 303);
    let html = get(&s, &c, "/settings").await;
    assert!(html.contains("Totrinnspålogging er av."), "{html}");
    assert!(html.contains("href=\"/language?l=sv&amp;back=/settings\""), "language choice");
    let token = csrf_of(&html);
    let r = post(&s, &c, "/settings/totp", &[("csrf", &token)]).await;
    assert_eq!(r.status(), 200);
    let html = r.text().await.unwrap();
    assert!(html.contains("<svg role=\"img\" aria-label=\"QR-kode for autentiseringsappen\""), "{html}");
    assert!(!html.contains("<?xml"));
    let grouped = between(&html, "id=\"totp-secret\">", "<").to_string();
    assert!(grouped.split(' ').all(|g| g.len() <= 4) && grouped.len() > 16, "{grouped}");
    let secret = grouped.replace(' ', "");
    assert!(html.contains("otpauth://totp/"));
    // A wrong code: the reason, and the enrolment is still on the page.
    let r = post(&s, &c, "/settings/totp/confirm", &[("csrf", &token), ("code", "000000"), ("secret", &secret)]).await;
    assert_eq!(r.status(), 422);
    let html = r.text().await.unwrap();
    assert!(html.contains("Koden stemmer ikke.") && html.contains("id=\"totp-code\""), "{html}");
    // The right one: on, with recovery codes once, and a new session.
    let r = post(&s, &c, "/settings/totp/confirm", &[("csrf", &token), ("code", &totp_now(&secret))]).await;
    assert_eq!(r.status(), 200);
    assert!(r.headers()["set-cookie"].to_str().unwrap().contains("HttpOnly"));
    let html = r.text().await.unwrap();
    assert!(html.contains("Totrinnspålogging er på.") && html.contains("Gjenopprettingskoder"), "{html}");
    let new_token = csrf_of(&html);
    assert_ne!(new_token, token, "the page is drawn for the new session");
    assert!(s.app.has_totp(&s.app.snapshot().dir.principal_by_login(LARS).unwrap().id).await.unwrap());
    // Still signed in (the cookie was replaced), and its forms work.
    let html = get(&s, &c, "/settings").await;
    assert!(html.contains("Totrinnspålogging er på") && !html.contains("Gjenopprettingskoder"));
    assert_eq!(csrf_of(&html), new_token);
    let r = post(&s, &c, "/settings/app-passwords", &[("csrf", &new_token), ("label", "Mobil")]).await;
    assert_eq!(r.status(), 200);
}

#[tokio::test]
async fn people_search_shows_only_whom_the_caller_may_discover() {
    let s = start().await;
    let per = browser(&s, "en");
    assert_eq!(sign_in(&s, &per, "per.elev@nordvik.test").await.status(), 303);
    let html = get(&s, &per, "/directory").await;
    assert!(html.contains("Type a name above"), "an empty query gives a hint: {html}");
    let html = get(&s, &per, "/directory?q=sara").await;
    assert!(!html.contains("sara.elev@sorvik.test") && !html.contains("Sørvik"), "{html}");
    assert!(html.contains("No one found for “sara”."), "{html}");
    let lars = browser(&s, "sv");
    assert_eq!(sign_in(&s, &lars, LARS).await.status(), 303);
    let html = get(&s, &lars, "/directory?q=erik").await;
    assert!(html.contains("erik.ansatt@sorvik.test"), "{html}");
    assert!(html.contains("Sørvik kommune") && html.contains("Anställd"));
    assert!(!html.contains("sara.elev@sorvik.test"), "pupils never across tenants");
    let html = get(&s, &lars, "/directory?q=zzqxy").await;
    assert!(html.contains("Ingen hittades"));
}
