//! The tenant's rules page (`/admin/policy`) on the demo installation, as a
//! browser sees it: the classification scheme with its levels, retention
//! per level and the tenant's key. Every change is checked through the
//! service afterwards; refusals show the service's reason and change
//! nothing; people without the role and other tenants' administrators get
//! nothing of nordvik's.

mod common;

use common::{browser, csrf_of, sign_in, start, Server};
use suveren_domain::ClassificationScheme;

fn between<'a>(html: &'a str, start: &str, end: &str) -> &'a str {
    let i = html.find(start).unwrap_or_else(|| panic!("{start} in page"));
    let rest = &html[i..];
    &rest[..rest.find(end).unwrap_or(rest.len())]
}

fn scheme(s: &Server, tenant: &str) -> ClassificationScheme {
    s.app.snapshot().dir.tenants[tenant].scheme.clone()
}

async fn page(s: &Server, c: &reqwest::Client) -> String {
    let r = c.get(format!("{}/admin/policy", s.base)).send().await.unwrap();
    assert_eq!(r.status(), 200);
    r.text().await.unwrap()
}

/// The form fields of level `rank` as the stored scheme has them, to post
/// with some of them changed.
fn level_form(s: &Server, tenant: &str, rank: u8, csrf: &str) -> Vec<(String, String)> {
    let l = scheme(s, tenant).levels[usize::from(rank)].clone();
    let ext = match l.external_sharing {
        suveren_domain::ExternalSharing::Any => "any",
        suveren_domain::ExternalSharing::FederatedOnly => "federated_only",
        suveren_domain::ExternalSharing::None => "none",
    };
    let mail = match l.mail_outside {
        suveren_domain::MailOutside::Allow => "allow",
        suveren_domain::MailOutside::WarnConfirm => "warn_confirm",
        suveren_domain::MailOutside::Block => "block",
    };
    let mut f: Vec<(String, String)> = [
        ("csrf", csrf.to_string()),
        ("rank", rank.to_string()),
        ("name", l.name),
        ("colour", l.colour),
        ("description", l.description),
        ("external_sharing", ext.into()),
        ("mail_outside", mail.into()),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v))
    .collect();
    for (on, k) in [(l.guests, "guests"), (l.public_links, "public_links"), (l.mfa, "mfa")] {
        if on {
            f.push((k.into(), "1".into()));
        }
    }
    f
}

fn set(f: &mut Vec<(String, String)>, k: &str, v: Option<&str>) {
    f.retain(|(x, _)| x != k);
    if let Some(v) = v {
        f.push((k.into(), v.into()));
    }
}

#[tokio::test]
async fn admin_sees_and_edits_her_tenants_scheme() {
    let s = start().await;
    let c = browser(&s, "en");
    assert_eq!(sign_in(&s, &c, "anna.admin@nordvik.test").await.status(), 303);
    let html = page(&s, &c).await;
    assert!(html.contains("The rules of Nordvik kommune"), "{html}");
    let table = between(&html, "id=\"scheme-table\"", "</table>");
    for level in ["Åpen", "Intern", "Fortrolig", "Strengt fortrolig"] {
        assert!(table.contains(level), "{level}");
    }
    // Each level's sentence, its rules, and its colour named in words.
    assert!(table.contains("taushetsbelagt") && table.contains("Linked municipalities only"), "{table}");
    assert!(table.contains("Green (#2e7d32)") && table.contains("Red (#c62828)"), "{table}");
    assert!(table.contains("<th scope=\"row\">"), "rows have headers");
    assert!(html.contains("The scheme started from the preset Norway"), "the preset");
    // The admin page links here.
    let admin = c.get(format!("{}/admin", s.base)).send().await.unwrap().text().await.unwrap();
    assert!(between(&admin, "id=\"classification\"", "</section>").contains("href=\"/admin/policy#scheme\""));
    assert!(between(&admin, "id=\"keys\"", "</section>").contains("href=\"/admin/policy#keys\""));

    // Level 1 ("Intern"): a new sentence, and no guests any more.
    let token = csrf_of(&html);
    let mut f = level_form(&s, "nordvik", 1, &token);
    set(&mut f, "description", Some("Intern: bare for ansatte i Nordvik og samarbeidende kommuner."));
    set(&mut f, "guests", None);
    let r = c.post(format!("{}/admin/policy/level", s.base)).form(&f).send().await.unwrap();
    assert_eq!(r.status(), 303);
    let to = r.headers()["location"].to_str().unwrap().to_string();
    let html = c.get(format!("{}{to}", s.base)).send().await.unwrap().text().await.unwrap();
    assert!(html.contains("role=\"status\"") && html.contains("The level was saved."), "{html}");
    let row = between(&html, "<span class=\"level-name l1\">Intern</span>", "</tr>");
    assert!(row.contains("bare for ansatte i Nordvik"), "{row}");
    let l = &scheme(&s, "nordvik").levels[1];
    assert_eq!(l.description, "Intern: bare for ansatte i Nordvik og samarbeidende kommuner.");
    assert!(!l.guests, "the flag is stored");
    assert_eq!(l.name, "Intern");

    // Non-monotone: public links at "Strengt fortrolig" but not below it.
    // Refused with the reason, next to that level's form; nothing changed.
    let before = scheme(&s, "nordvik");
    let mut f = level_form(&s, "nordvik", 3, &token);
    set(&mut f, "public_links", Some("1"));
    set(&mut f, "description", Some("Something else"));
    let r = c.post(format!("{}/admin/policy/level", s.base)).form(&f).send().await.unwrap();
    assert_eq!(r.status(), 422);
    let html = r.text().await.unwrap();
    let form = between(&html, "id=\"level-3\"", "</details>");
    assert!(form.contains(" open>"), "the refused form is open");
    assert!(
        form.contains("role=\"alert\"")
            && form.contains("Not saved: level 3 is less strict than level 2 in `public_links`"),
        "{form}"
    );
    assert!(form.contains(">Something else</textarea>"), "the submitted values come back to be fixed");
    assert_eq!(scheme(&s, "nordvik"), before, "nothing saved");
    // An empty name.
    let mut f = level_form(&s, "nordvik", 2, &token);
    set(&mut f, "name", Some("  "));
    let r = c.post(format!("{}/admin/policy/level", s.base)).form(&f).send().await.unwrap();
    assert_eq!(r.status(), 422);
    let html = r.text().await.unwrap();
    assert!(
        between(&html, "id=\"level-2\"", "</details>").contains("Not saved: level 2: name must not be empty"),
        "{html}"
    );
    assert_eq!(scheme(&s, "nordvik"), before, "nothing saved");
    // A level that does not exist.
    let mut f = level_form(&s, "nordvik", 2, &token);
    set(&mut f, "rank", Some("9"));
    let r = c.post(format!("{}/admin/policy/level", s.base)).form(&f).send().await.unwrap();
    assert_eq!(r.status(), 422);
    assert!(r.text().await.unwrap().contains("There is no level 9 in the scheme."));
    assert_eq!(scheme(&s, "nordvik"), before);
    // Without the session's token: refused.
    let mut f = level_form(&s, "nordvik", 2, "nope");
    set(&mut f, "name", Some("Hemmelig"));
    let r = c.post(format!("{}/admin/policy/level", s.base)).form(&f).send().await.unwrap();
    assert_eq!(r.status(), 403);
    assert_eq!(scheme(&s, "nordvik"), before);

    // Retention of "Fortrolig": kept 30 days at least, deleted after 10 years.
    let r = c
        .post(format!("{}/admin/policy/retention", s.base))
        .form(&[
            ("csrf", token.as_str()),
            ("rank", "2"),
            ("file_min_days", "30"),
            ("file_max_days", "3650"),
            ("version_max_days", ""),
            ("trash_days", "60"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    let to = r.headers()["location"].to_str().unwrap().to_string();
    let html = c.get(format!("{}{to}", s.base)).send().await.unwrap().text().await.unwrap();
    assert!(html.contains("The retention was saved."));
    let row = between(between(&html, "id=\"retention-table\"", "</table>"), "l2\">Fortrolig", "</tr>");
    assert!(
        row.contains("<td>30 days</td>")
            && row.contains("<td>3650 days</td>")
            && row.contains("<td>365 days</td>")
            && row.contains("<td>60 days</td>"),
        "{row}"
    );
    let r = scheme(&s, "nordvik").levels[2].retention_rules();
    assert_eq!((r.file_min_days, r.file_max_days, r.version_max_days, r.trash_days), (Some(30), Some(3650), 365, 60));
    // The minimum above the maximum: refused with the reason, nothing changed.
    let before = scheme(&s, "nordvik");
    let r = c
        .post(format!("{}/admin/policy/retention", s.base))
        .form(&[("csrf", token.as_str()), ("rank", "2"), ("file_min_days", "400"), ("file_max_days", "365")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 422);
    let html = r.text().await.unwrap();
    let form = between(&html, "id=\"retention-2\"", "</details>");
    assert!(
        form.contains("role=\"alert\"")
            && form.contains("Not saved: level 2: retention: `file_min_days` (400) is more than `file_max_days` (365)"),
        "{form}"
    );
    assert!(form.contains("value=\"400\""), "the submitted value comes back");
    assert_eq!(scheme(&s, "nordvik"), before, "nothing saved");
    // Not a number.
    let r = c
        .post(format!("{}/admin/policy/retention", s.base))
        .form(&[("csrf", token.as_str()), ("rank", "1"), ("trash_days", "a month")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 422);
    assert!(r.text().await.unwrap().contains("Give the days as whole numbers"));
    assert_eq!(scheme(&s, "nordvik"), before);

    // A preset: the Swedish levels, each keeping its retention.
    let r = c
        .post(format!("{}/admin/policy/preset", s.base))
        .form(&[("csrf", token.as_str()), ("preset", "sweden")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    let now = scheme(&s, "nordvik");
    assert_eq!(now.preset, "sweden");
    assert_eq!(now.levels[2].name, "Betydande skada");
    assert_eq!(now.levels[2].retention_rules().file_min_days, Some(30), "retention kept");
    let html = page(&s, &c).await;
    assert!(between(&html, "id=\"scheme-table\"", "</table>").contains("Måttlig skada"));
    let r = c
        .post(format!("{}/admin/policy/preset", s.base))
        .form(&[("csrf", token.as_str()), ("preset", "atlantis")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 422);
    assert_eq!(scheme(&s, "nordvik"), now);
}

#[tokio::test]
async fn admin_rotates_the_key_and_moves_it() {
    let s = start().await;
    let c = browser(&s, "en");
    assert_eq!(sign_in(&s, &c, "anna.admin@nordvik.test").await.status(), 303);
    let keys_api = format!("{}/api/v1/tenants/nordvik/keys", s.base);
    let status = |c: &reqwest::Client| {
        let u = keys_api.clone();
        let c = c.clone();
        async move {
            let r = c.get(u).send().await.unwrap();
            assert_eq!(r.status(), 200);
            r.json::<serde_json::Value>().await.unwrap()
        }
    };
    let html = page(&s, &c).await;
    let keys = between(&html, "id=\"key-status\"", "</dl>");
    assert!(keys.contains("master key"), "{keys}");
    assert!(keys.contains("Not running") && keys.contains("Never"), "{keys}");
    assert!(status(&c).await["rotation"].is_null());

    // Start a rotation: the page shows it running, by whom.
    let token = csrf_of(&html);
    let r =
        c.post(format!("{}/admin/policy/keys/rotate", s.base)).form(&[("csrf", token.as_str())]).send().await.unwrap();
    assert_eq!(r.status(), 303);
    let to = r.headers()["location"].to_str().unwrap().to_string();
    let html = c.get(format!("{}{to}", s.base)).send().await.unwrap().text().await.unwrap();
    assert!(html.contains("The key rotation has started."));
    let keys = between(&html, "id=\"key-status\"", "</dl>");
    assert!(keys.contains("Running: pass 1 of 2") && keys.contains("Started by anna.admin@nordvik.test"), "{keys}");
    assert!(!html.contains("action=\"/admin/policy/keys/rotate\""), "no second start offered while it runs");
    let st = status(&c).await;
    assert_eq!(st["rotation"]["by"], "anna.admin@nordvik.test");
    // A second start meanwhile, and a provider change: refused with the reason.
    let r =
        c.post(format!("{}/admin/policy/keys/rotate", s.base)).form(&[("csrf", token.as_str())]).send().await.unwrap();
    assert_eq!(r.status(), 422);
    let html = r.text().await.unwrap();
    assert!(
        between(&html, "id=\"keys\"", "</section>").contains("Not saved: A key rotation is already running."),
        "{html}"
    );
    let r = c
        .post(format!("{}/admin/policy/keys/provider", s.base))
        .form(&[
            ("csrf", token.as_str()),
            ("provider", "passphrase"),
            ("passphrase", "korrekt hest batteri stift"),
            ("passphrase_confirm", "korrekt hest batteri stift"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 422);
    assert!(r.text().await.unwrap().contains("A key rotation is running; change the provider when it has finished."));
    assert_eq!(status(&c).await["provider"], "master-key-file");

    // The background steps finish it; the page shows when.
    for _ in 0..100 {
        s.app.rotate_keys_step(64).await.unwrap();
        if status(&c).await["rotation"].is_null() {
            break;
        }
    }
    let st = status(&c).await;
    assert!(st["rotation"].is_null() && st["rotated"].is_i64(), "{st}");
    let html = page(&s, &c).await;
    let keys = between(&html, "id=\"key-status\"", "</dl>");
    assert!(keys.contains("Not running") && keys.contains("Finished "), "{keys}");
    // Content is still readable under the new key.
    let r = c.get(format!("{}/drive", s.base)).send().await.unwrap();
    assert_eq!(r.status(), 200);

    // Move the key to a passphrase: typed twice, the same both times.
    let r = c
        .post(format!("{}/admin/policy/keys/provider", s.base))
        .form(&[
            ("csrf", token.as_str()),
            ("provider", "passphrase"),
            ("passphrase", "korrekt hest batteri stift"),
            ("passphrase_confirm", "korrekt hest batteri stilt"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 422);
    let html = r.text().await.unwrap();
    assert!(between(&html, "id=\"keys\"", "</section>").contains("The two passphrases are not the same."));
    assert_eq!(status(&c).await["provider"], "master-key-file");
    // Too short: the service's reason.
    let r = c
        .post(format!("{}/admin/policy/keys/provider", s.base))
        .form(&[
            ("csrf", token.as_str()),
            ("provider", "passphrase"),
            ("passphrase", "kort"),
            ("passphrase_confirm", "kort"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 422);
    assert!(r.text().await.unwrap().contains("A key passphrase has at least 12 characters."));
    assert_eq!(status(&c).await["provider"], "master-key-file");
    let r = c
        .post(format!("{}/admin/policy/keys/provider", s.base))
        .form(&[
            ("csrf", token.as_str()),
            ("provider", "passphrase"),
            ("passphrase", "korrekt hest batteri stift"),
            ("passphrase_confirm", "korrekt hest batteri stift"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    let to = r.headers()["location"].to_str().unwrap().to_string();
    let st = status(&c).await;
    assert_eq!((st["provider"].as_str(), st["locked"].as_bool()), (Some("passphrase"), Some(false)), "{st}");
    let html = c.get(format!("{}{to}", s.base)).send().await.unwrap().text().await.unwrap();
    assert!(between(&html, "id=\"key-status\"", "</dl>").contains("A passphrase held by the administrators"));
    assert!(html.contains("The key is now held by the chosen provider."));
}

#[tokio::test]
async fn people_without_the_role_are_refused() {
    let s = start().await;
    let before = scheme(&s, "nordvik");
    for login in ["per.elev@nordvik.test", "lars.laerer@nordvik.test"] {
        let c = browser(&s, "en");
        assert_eq!(sign_in(&s, &c, login).await.status(), 303);
        let r = c.get(format!("{}/admin/policy", s.base)).send().await.unwrap();
        assert_eq!(r.status(), 403, "{login}");
        let html = r.text().await.unwrap();
        assert!(html.contains("Only tenant administrators of Nordvik kommune may do this."), "{html}");
        assert!(!html.contains("Strengt fortrolig"), "nothing of the scheme");
        // Forms posted anyway: refused by the gate, nothing changed.
        let home = c.get(format!("{}/home", s.base)).send().await.unwrap().text().await.unwrap();
        let token = csrf_of(&home);
        let mut f = level_form(&s, "nordvik", 0, &token);
        set(&mut f, "description", Some("Alt er lov."));
        let r = c.post(format!("{}/admin/policy/level", s.base)).form(&f).send().await.unwrap();
        assert_eq!(r.status(), 403);
        assert!(r.text().await.unwrap().contains("Only tenant administrators of Nordvik kommune may do this."));
        let r = c
            .post(format!("{}/admin/policy/retention", s.base))
            .form(&[("csrf", token.as_str()), ("rank", "0"), ("file_max_days", "1")])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 403);
        let r = c
            .post(format!("{}/admin/policy/keys/rotate", s.base))
            .form(&[("csrf", token.as_str())])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 403);
    }
    assert_eq!(scheme(&s, "nordvik"), before);
    let a = browser(&s, "en");
    assert_eq!(sign_in(&s, &a, "anna.admin@nordvik.test").await.status(), 303);
    let st: serde_json::Value =
        a.get(format!("{}/api/v1/tenants/nordvik/keys", s.base)).send().await.unwrap().json().await.unwrap();
    assert!(st["rotation"].is_null(), "no rotation started: {st}");
}

#[tokio::test]
async fn another_tenants_admin_sees_only_her_own_scheme() {
    let s = start().await;
    // Nordvik's level 1 gets a sentence of its own.
    let anna = browser(&s, "en");
    assert_eq!(sign_in(&s, &anna, "anna.admin@nordvik.test").await.status(), 303);
    let token = csrf_of(&page(&s, &anna).await);
    let mut f = level_form(&s, "nordvik", 1, &token);
    set(&mut f, "description", Some("Nordvik-intern: bare for Nordviks folk."));
    let r = anna.post(format!("{}/admin/policy/level", s.base)).form(&f).send().await.unwrap();
    assert_eq!(r.status(), 303);

    let sofie = browser(&s, "en");
    assert_eq!(sign_in(&s, &sofie, "sofie.admin@sorvik.test").await.status(), 303);
    let html = page(&s, &sofie).await;
    assert!(html.contains("The rules of Sørvik kommune"), "{html}");
    assert!(!html.contains("Nordvik"), "nothing of nordvik on sorvik's page");
    let table = between(&html, "id=\"scheme-table\"", "</table>");
    assert!(table.contains("Strengt fortrolig") && table.contains("Deling med samarbeidende kommuner"), "{table}");
    // Her edits change sorvik's scheme only.
    let nordvik = scheme(&s, "nordvik");
    let token = csrf_of(&html);
    let r = sofie
        .post(format!("{}/admin/policy/preset", s.base))
        .form(&[("csrf", token.as_str()), ("preset", "sweden")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    assert_eq!(scheme(&s, "sorvik").levels[1].name, "Måttlig skada");
    assert_eq!(scheme(&s, "nordvik"), nordvik, "nordvik unchanged");
    let html = page(&s, &anna).await;
    assert!(between(&html, "id=\"scheme-table\"", "</table>").contains("Nordvik-intern"));
    assert!(!html.contains("Måttlig skada"));
}
