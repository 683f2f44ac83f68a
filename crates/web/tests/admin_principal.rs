//! One principal in the tenant administration (`/admin/principals/{id}`),
//! as a browser sees it: the details, edits checked by reloading, disabling
//! that ends the person's session, delete and erasure behind a typed
//! confirmation, the GDPR export as a ZIP, and another tenant's
//! administrator getting the same "not found" as for an id that does not
//! exist.

mod common;

use common::{browser, csrf_of, sign_in, start, Server};

fn between<'a>(html: &'a str, start: &str, end: &str) -> &'a str {
    let i = html.find(start).unwrap_or_else(|| panic!("{start} in page:\n{html}"));
    let rest = &html[i..];
    &rest[..rest.find(end).unwrap_or(rest.len())]
}

fn id_of(s: &Server, login: &str) -> String {
    s.app.snapshot().dir.principal_by_login(login).unwrap_or_else(|| panic!("{login}")).id.clone()
}

async fn admin(s: &Server) -> reqwest::Client {
    let c = browser(s, "en");
    assert_eq!(sign_in(s, &c, "anna.admin@nordvik.test").await.status(), 303);
    c
}

async fn get(s: &Server, c: &reqwest::Client, path: &str) -> (u16, String) {
    let r = c.get(format!("{}{path}", s.base)).send().await.unwrap();
    (r.status().as_u16(), r.text().await.unwrap())
}

async fn post(s: &Server, c: &reqwest::Client, path: &str, form: &[(&str, &str)]) -> reqwest::Response {
    c.post(format!("{}{path}", s.base)).form(form).send().await.unwrap()
}

fn zip_names(bytes: &[u8]) -> (Vec<String>, serde_json::Value) {
    use std::io::Read;
    let mut z = zip::ZipArchive::new(std::io::Cursor::new(bytes.to_vec())).expect("a ZIP archive");
    let names: Vec<String> = (0..z.len()).map(|i| z.by_index(i).unwrap().name().unwrap().to_string()).collect();
    let mut manifest = String::new();
    z.by_name("manifest.json").expect("manifest.json in the archive").read_to_string(&mut manifest).unwrap();
    (names, serde_json::from_str(&manifest).expect("the manifest is JSON"))
}

#[tokio::test]
async fn the_page_shows_the_principal_and_edits_stick() {
    let s = start().await;
    let c = admin(&s).await;
    let lars = id_of(&s, "lars.laerer@nordvik.test");
    // The list links each login to its page.
    let (_, html) = get(&s, &c, "/admin").await;
    assert!(html.contains(&format!("href=\"/admin/principals/{lars}\">lars.laerer@nordvik.test</a>")), "{html}");

    let (status, html) = get(&s, &c, &format!("/admin/principals/{lars}")).await;
    assert_eq!(status, 200);
    assert!(html.contains("<h1>Account: Lars Lærer</h1>"), "{html}");
    let facts = between(&html, "id=\"pr-facts\"", "</dl>");
    for want in [
        "lars.laerer@nordvik.test",
        "Lars Lærer",
        "Employee",
        "Skole/Nordvik skole",
        "Lærere Nordvik skole",
        "Active",
        "mailto:lars.laerer@nordvik.test",
    ] {
        assert!(facts.contains(want), "{want} in {facts}");
    }
    let token = csrf_of(&html);
    // The edit form starts from what the directory holds.
    let form = between(&html, "id=\"edit-h\"", "</form>");
    assert!(form.contains("value=\"Lars Lærer\"") && form.contains("value=\"Skole/Nordvik skole\" selected"), "{form}");
    assert!(form.contains("value=\"Lærere Nordvik skole\" checked"), "{form}");

    // A new display name and an attribute; the rest as it was.
    let path = format!("/admin/principals/{lars}/edit");
    let r = post(
        &s,
        &c,
        &path,
        &[
            ("csrf", &token),
            ("name", "Lars Lektor"),
            ("email", "lars.laerer@nordvik.test"),
            ("org_unit", "Skole/Nordvik skole"),
            ("group", "Lærere Nordvik skole"),
            ("attributes", "rom = 204"),
        ],
    )
    .await;
    assert_eq!(r.status(), 303);
    let to = r.headers()["location"].to_str().unwrap().to_string();
    assert!(to.starts_with(&format!("/admin/principals/{lars}?ok=edited")), "{to}");
    let (_, html) = get(&s, &c, &to).await;
    assert!(html.contains("The changes were saved.") && html.contains("role=\"status\""));
    // Reloaded: the directory holds the new name.
    let (_, html) = get(&s, &c, &format!("/admin/principals/{lars}")).await;
    let facts = between(&html, "id=\"pr-facts\"", "</dl>");
    assert!(facts.contains("Lars Lektor") && !facts.contains("Lars Lærer"), "{facts}");
    assert!(facts.contains("<dt>rom</dt><dd>204</dd>"), "{facts}");
    let p = s.app.snapshot().dir.principal_by_login("lars.laerer@nordvik.test").cloned().unwrap();
    assert_eq!(p.name, "Lars Lektor");
    assert_eq!(p.groups, vec!["nordvik:Lærere Nordvik skole".to_string()]);

    // A refusal by the service is shown at the form, with its reason, and
    // changes nothing: an administrator cannot put herself in the group
    // that opens the Restricted Barnevern drive.
    let anna = id_of(&s, "anna.admin@nordvik.test");
    let (_, html) = get(&s, &c, &format!("/admin/principals/{anna}")).await;
    assert!(html.contains("This is your own account."));
    let r = post(
        &s,
        &c,
        &format!("/admin/principals/{anna}/edit"),
        &[
            ("csrf", &token),
            ("name", "Anna Admin"),
            ("org_unit", "Administrasjon"),
            ("group", "Barnevern"),
            ("role", "tenant_admin"),
            ("role", "auditor"),
        ],
    )
    .await;
    assert_eq!(r.status(), 403);
    let html = r.text().await.unwrap();
    let section = between(&html, "id=\"edit\"", "</section>");
    assert!(section.contains("role=\"alert\"") && section.contains("Barnevern"), "{section}");
    assert!(section.contains("value=\"Barnevern\" checked"), "what was typed is kept: {section}");
    let a = s.app.snapshot().dir.principal_by_login("anna.admin@nordvik.test").cloned().unwrap();
    assert!(!a.groups.iter().any(|g| g.ends_with("Barnevern")), "nothing changed: {:?}", a.groups);

    // A malformed attribute line: refused with its line number.
    let r =
        post(&s, &c, &path, &[("csrf", &token), ("name", "Lars Lektor"), ("attributes", "rom = 204\nbad line")]).await;
    assert_eq!(r.status(), 422);
    assert!(r.text().await.unwrap().contains("Line 2 of the attributes has no"));
}

#[tokio::test]
async fn disabling_ends_their_session_and_enabling_lets_them_back() {
    let s = start().await;
    let c = admin(&s).await;
    let lars_c = browser(&s, "en");
    assert_eq!(sign_in(&s, &lars_c, "lars.laerer@nordvik.test").await.status(), 303);
    assert_eq!(get(&s, &lars_c, "/home").await.0, 200, "signed in");

    let lars = id_of(&s, "lars.laerer@nordvik.test");
    let (_, html) = get(&s, &c, &format!("/admin/principals/{lars}")).await;
    let token = csrf_of(&html);
    let r = post(&s, &c, &format!("/admin/principals/{lars}/disable"), &[("csrf", &token)]).await;
    assert_eq!(r.status(), 303);
    let to = r.headers()["location"].to_str().unwrap().to_string();
    let (_, html) = get(&s, &c, &to).await;
    assert!(html.contains("The account is disabled; its sessions have ended."), "{html}");
    assert!(between(&html, "id=\"pr-state\"", "</dd>").contains("Disabled"));
    assert!(s.app.snapshot().dir.principal_by_login("lars.laerer@nordvik.test").unwrap().disabled);

    // His next page: the session is gone, so to the sign-in page.
    let r = lars_c.get(format!("{}/home", s.base)).send().await.unwrap();
    assert_eq!(r.status(), 303);
    assert!(r.headers()["location"].to_str().unwrap().starts_with("/?expired=1"));
    // And he cannot sign in again.
    let r = sign_in(&s, &lars_c, "lars.laerer@nordvik.test").await;
    assert!(r.status() != 303 || r.headers()["location"] != "/home", "a disabled account does not sign in");

    // Enabled again, he can.
    let r = post(&s, &c, &format!("/admin/principals/{lars}/enable"), &[("csrf", &token)]).await;
    assert_eq!(r.status(), 303);
    assert!(!s.app.snapshot().dir.principal_by_login("lars.laerer@nordvik.test").unwrap().disabled);
    let r = sign_in(&s, &lars_c, "lars.laerer@nordvik.test").await;
    assert_eq!(r.status(), 303);
    assert_eq!(get(&s, &lars_c, "/home").await.0, 200);

    // A password reset shows the generated password once; the old one no
    // longer works and his session has ended.
    let r =
        post(&s, &c, &format!("/admin/principals/{lars}/reset-password"), &[("csrf", &token), ("password", "")]).await;
    assert_eq!(r.status(), 200);
    let html = r.text().await.unwrap();
    let pw = between(&html, "id=\"pr-new-password\">", "</code>")["id=\"pr-new-password\">".len()..].to_string();
    assert!(pw.len() >= 12, "{pw}");
    assert_eq!(lars_c.get(format!("{}/home", s.base)).send().await.unwrap().status(), 303, "session ended");
    let (_, again) = get(&s, &c, &format!("/admin/principals/{lars}")).await;
    assert!(!again.contains(&pw), "shown only once");
    let code = s.creds["lars.laerer@nordvik.test"].1.as_deref().map(common::totp_now).unwrap_or_default();
    let old = &s.creds["lars.laerer@nordvik.test"].0;
    let fresh = browser(&s, "en");
    let r = fresh
        .post(format!("{}/signin", s.base))
        .form(&[("login", "lars.laerer@nordvik.test"), ("password", old), ("totp", &code), ("next", "/home")])
        .send()
        .await
        .unwrap();
    assert!(r.status() != 303 || r.headers()["location"] != "/home", "the old password is refused");
    // A password typed by the administrator is checked by the service.
    let r =
        post(&s, &c, &format!("/admin/principals/{lars}/reset-password"), &[("csrf", &token), ("password", "kort")])
            .await;
    assert_eq!(r.status(), 422);
    let html = r.text().await.unwrap();
    assert!(between(&html, "id=\"access\"", "</section>").contains("role=\"alert\""), "{html}");
}

#[tokio::test]
async fn delete_needs_the_login_typed_again() {
    let s = start().await;
    let c = admin(&s).await;
    let per = id_of(&s, "per.elev@nordvik.test");
    let (_, html) = get(&s, &c, &format!("/admin/principals/{per}")).await;
    let token = csrf_of(&html);
    let path = format!("/admin/principals/{per}/delete");
    for wrong in ["", "per.elev", "lars.laerer@nordvik.test"] {
        let r = post(&s, &c, &path, &[("csrf", &token), ("confirm", wrong)]).await;
        assert_eq!(r.status(), 422, "{wrong}");
        let html = r.text().await.unwrap();
        let section = between(&html, "id=\"delete\"", "</section>");
        assert!(section.contains("role=\"alert\"") && section.contains("The confirmation does not match"), "{section}");
        assert!(s.app.snapshot().dir.principal_by_login("per.elev@nordvik.test").is_some(), "nothing deleted");
    }
    // Without the page's token: refused.
    let r = post(&s, &c, &path, &[("csrf", "nope"), ("confirm", "per.elev@nordvik.test")]).await;
    assert_eq!(r.status(), 403);
    assert!(s.app.snapshot().dir.principal_by_login("per.elev@nordvik.test").is_some());
    // The login typed (in any case): deleted, and his page is gone.
    let r = post(&s, &c, &path, &[("csrf", &token), ("confirm", " Per.Elev@nordvik.test ")]).await;
    assert_eq!(r.status(), 200);
    assert!(r.text().await.unwrap().contains("The account per.elev@nordvik.test was deleted."));
    assert!(s.app.snapshot().dir.principal_by_login("per.elev@nordvik.test").is_none());
    assert_eq!(get(&s, &c, &format!("/admin/principals/{per}")).await.0, 404);
}

#[tokio::test]
async fn exports_are_zips_with_a_manifest() {
    let s = start().await;
    let c = admin(&s).await;
    let lars = id_of(&s, "lars.laerer@nordvik.test");
    let (_, html) = get(&s, &c, &format!("/admin/principals/{lars}")).await;
    assert!(html.contains(&format!("href=\"/admin/principals/{lars}/export\"")));
    let r = c.get(format!("{}/admin/principals/{lars}/export", s.base)).send().await.unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["content-type"], "application/zip");
    assert!(r.headers()["content-disposition"].to_str().unwrap().starts_with("attachment;"));
    let bytes = r.bytes().await.unwrap();
    let (names, manifest) = zip_names(&bytes);
    assert!(names.contains(&"manifest.json".to_string()), "{names:?}");
    assert_eq!(manifest["principal"]["login"], "lars.laerer@nordvik.test");
    // No lockbox grant: no file contents for the administrator, and the
    // manifest says why.
    assert!(!names.iter().any(|n| n.starts_with("files/")), "{names:?}");
    let text = manifest.to_string();
    assert!(text.contains("withheld"), "{text}");
    assert!(!text.contains("Foreldremøte"), "not even the file names: {text}");

    // Oneself: the settings page offers it, with the files.
    let lars_c = browser(&s, "en");
    assert_eq!(sign_in(&s, &lars_c, "lars.laerer@nordvik.test").await.status(), 303);
    let (_, html) = get(&s, &lars_c, "/settings").await;
    assert!(html.contains("href=\"/settings/export\"") && html.contains("Download my data"), "{html}");
    let r = lars_c.get(format!("{}/settings/export", s.base)).send().await.unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["content-type"], "application/zip");
    let (names, manifest) = zip_names(&r.bytes().await.unwrap());
    assert!(names.iter().any(|n| n.starts_with("files/personal/") && n.ends_with("Foreldremøte.md")), "{names:?}");
    assert_eq!(manifest["principal"]["login"], "lars.laerer@nordvik.test");
}

#[tokio::test]
async fn erasure_reports_what_a_legal_hold_keeps() {
    let s = start().await;
    let c = admin(&s).await;
    let lars = id_of(&s, "lars.laerer@nordvik.test");
    let (_, html) = get(&s, &c, &format!("/admin/principals/{lars}")).await;
    let token = csrf_of(&html);
    let r = post(
        &s,
        &c,
        "/admin/holds",
        &[
            ("csrf", &token),
            ("scope", "principal"),
            ("target", "lars.laerer@nordvik.test"),
            ("case_ref", "2026/77"),
            ("reason", "Tilsynssak"),
        ],
    )
    .await;
    assert_eq!(r.status(), 303);
    let path = format!("/admin/principals/{lars}/erase");

    // What would happen: the report, nothing changed.
    let r = post(&s, &c, &path, &[("csrf", &token), ("confirm", ""), ("dry_run", "1")]).await;
    assert_eq!(r.status(), 200);
    let html = r.text().await.unwrap();
    let report = between(&html, "id=\"erase-report\"", "</section>");
    assert!(report.contains("Test run: what erasing lars.laerer@nordvik.test would do"), "{report}");
    assert!(report.contains("Nothing was changed."));
    // File names are content: without a lockbox grant the administrator
    // sees the held files counted per drive, with the hold's case.
    let counted = between(report, "id=\"erase-kept-counts\"", "</table>");
    assert!(counted.contains("<td>2") && counted.contains("Legal hold, case 2026/77"), "{counted}");
    assert!(!report.contains("Foreldremøte") && !report.contains("Plan 8A"), "no file names: {report}");
    assert!(report.contains("File names are content"), "{report}");
    assert!(!report.contains("id=\"erase-kept\""), "no table of names: {report}");
    assert!(s.app.snapshot().dir.principal_by_login("lars.laerer@nordvik.test").is_some());

    // Without the login typed: refused, nothing erased.
    let r = post(&s, &c, &path, &[("csrf", &token), ("confirm", "lars")]).await;
    assert_eq!(r.status(), 422);
    let html = r.text().await.unwrap();
    assert!(between(&html, "id=\"gdpr\"", "</section>").contains("The confirmation does not match"));
    assert!(s.app.snapshot().dir.principal_by_login("lars.laerer@nordvik.test").is_some());

    // Erased: the account is gone, the held files are counted with the reason.
    let r = post(&s, &c, &path, &[("csrf", &token), ("confirm", "lars.laerer@nordvik.test")]).await;
    assert_eq!(r.status(), 200);
    let html = r.text().await.unwrap();
    assert!(html.contains("lars.laerer@nordvik.test was erased."), "{html}");
    let report = between(&html, "id=\"erase-report\"", "</section>");
    assert!(report.contains("Erasure of lars.laerer@nordvik.test"));
    let counted = between(report, "id=\"erase-kept-counts\"", "</table>");
    assert!(counted.contains("<td>2") && counted.contains("Legal hold, case 2026/77"), "{counted}");
    assert!(!report.contains("Foreldremøte") && !report.contains("Plan 8A"), "no file names: {report}");
    assert!(report.contains("The audit log is kept"), "{report}");
    assert!(s.app.snapshot().dir.principal_by_login("lars.laerer@nordvik.test").is_none());

    // In Norwegian (the language selector's cookie), the headings are Norwegian.
    let nb = c;
    assert_eq!(get(&s, &nb, "/language?l=nb&back=/admin").await.0, 303);
    let per = id_of(&s, "per.elev@nordvik.test");
    let (_, html) = get(&s, &nb, &format!("/admin/principals/{per}")).await;
    let t = csrf_of(&html);
    let r = post(&s, &nb, &format!("/admin/principals/{per}/erase"), &[("csrf", &t), ("dry_run", "1")]).await;
    let html = r.text().await.unwrap();
    assert!(html.contains("Prøvekjøring") && html.contains("Beholdt, og hvorfor"), "{html}");
}

#[tokio::test]
async fn another_tenants_principal_is_not_found() {
    let s = start().await;
    let c = browser(&s, "en");
    assert_eq!(sign_in(&s, &c, "sofie.admin@sorvik.test").await.status(), 303);
    let lars = id_of(&s, "lars.laerer@nordvik.test");
    // Her own tenant's people she sees.
    let erik = id_of(&s, "erik.ansatt@sorvik.test");
    assert_eq!(get(&s, &c, &format!("/admin/principals/{erik}")).await.0, 200);
    // A nordvik id answers exactly like an id that does not exist.
    let (status, probe) = get(&s, &c, &format!("/admin/principals/{lars}")).await;
    assert_eq!(status, 404);
    let (status, missing) = get(&s, &c, "/admin/principals/0123456789abcdef0123456789abcdef").await;
    assert_eq!(status, 404);
    assert_eq!(probe, missing, "another tenant's principal reads like a missing one");
    assert!(!probe.contains("Lars") && !probe.contains("Nordvik"));
    // By login, too.
    let (status, by_login) = get(&s, &c, "/admin/principals/lars.laerer@nordvik.test").await;
    assert_eq!((status, by_login.as_str()), (404, missing.as_str()));
    // The export and every form the same way, and nothing changes.
    assert_eq!(get(&s, &c, &format!("/admin/principals/{lars}/export")).await.0, 404);
    let (_, html) = get(&s, &c, &format!("/admin/principals/{erik}")).await;
    let token = csrf_of(&html);
    for action in ["disable", "edit", "reset-password", "delete", "erase"] {
        let r = post(
            &s,
            &c,
            &format!("/admin/principals/{lars}/{action}"),
            &[("csrf", &token), ("name", "X"), ("confirm", "lars.laerer@nordvik.test")],
        )
        .await;
        assert_eq!(r.status(), 404, "{action}");
        assert_eq!(r.text().await.unwrap(), missing, "{action}");
    }
    let p = s.app.snapshot().dir.principal_by_login("lars.laerer@nordvik.test").cloned().unwrap();
    assert!(!p.disabled && p.name == "Lars Lærer");

    // Someone without the role: the gate's reason, not the principal.
    let per = browser(&s, "en");
    assert_eq!(sign_in(&s, &per, "per.elev@nordvik.test").await.status(), 303);
    let (status, html) = get(&s, &per, &format!("/admin/principals/{lars}")).await;
    assert_eq!(status, 403);
    assert!(html.contains("Only tenant administrators of Nordvik kommune may do this."), "{html}");
    assert!(!html.contains("lars.laerer@nordvik.test"));
}
