//! Drive pages on the demo installation: the classification banner in three
//! languages, browsing, download, upload without JavaScript, the share
//! dialog with the gate's refusals, the people picker within barriers, and
//! concealment of drives the caller may not see.

mod common;

use common::{browser, csrf_of, ctx_of, sign_in, start, Server};

const BARNEVERN: &str = "d-barnevern";

async fn get(s: &Server, c: &reqwest::Client, path: &str) -> (u16, String) {
    let r = c.get(format!("{}{path}", s.base)).send().await.unwrap();
    (r.status().as_u16(), r.text().await.unwrap())
}

/// A multipart body as a browser sends it: the CSRF field first (when
/// given), then the folder, then the files.
fn multipart(csrf: Option<&str>, folder: &str, files: &[(&str, &[u8])]) -> (String, Vec<u8>) {
    let b = "----suverenTestBoundary7MA4YWxk";
    let mut body = Vec::new();
    let mut field = |name: &str, value: &str| {
        body.extend_from_slice(
            format!("--{b}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n").as_bytes(),
        );
    };
    if let Some(t) = csrf {
        field("csrf", t);
    }
    field("path", folder);
    for (name, data) in files {
        body.extend_from_slice(
            format!(
                "--{b}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{name}\"\r\nContent-Type: application/octet-stream\r\n\r\n"
            )
            .as_bytes(),
        );
        body.extend_from_slice(data);
        body.extend_from_slice(b"\r\n");
    }
    body.extend_from_slice(format!("--{b}--\r\n").as_bytes());
    (format!("multipart/form-data; boundary={b}"), body)
}

fn href_of<'a>(html: &'a str, prefix: &str) -> &'a str {
    let i = html.find(&format!("href=\"{prefix}")).unwrap_or_else(|| panic!("a link to {prefix}: {html}")) + 6;
    html[i..].split('"').next().unwrap()
}

#[tokio::test]
async fn siri_browses_barnevern_with_its_banner_downloads_uploads_and_is_refused_a_link() {
    let s = start().await;
    let c = browser(&s, "en");
    assert_eq!(sign_in(&s, &c, "siri.saksbehandler@nordvik.test").await.status(), 303);

    // Her drives, with their level.
    let (st, html) = get(&s, &c, "/drive").await;
    assert_eq!(st, 200, "{html}");
    assert!(html.contains("href=\"/drive/d-barnevern\"") && html.contains("Strengt fortrolig"), "{html}");
    assert!(html.contains("My files"));

    // The banner in three languages, on the drive and on a folder.
    let want = [
        ("en", "Strengt fortrolig: only members of Barnevern. No sharing outside Nordvik kommune, no links, no e-mail to outside."),
        ("nb", "Strengt fortrolig: bare medlemmer av Barnevern. Ingen deling utenfor Nordvik kommune, ingen lenker, ingen e-post ut."),
        ("sv", "Strengt fortrolig: bara medlemmar i Barnevern. Ingen delning utanför Nordvik kommune, inga länkar, ingen e-post till externa mottagare."),
    ];
    for (lang, sentence) in want {
        let r = c.get(format!("{}/language?l={lang}&back=/drive", s.base)).send().await.unwrap();
        assert_eq!(r.status(), 303);
        for path in ["/drive/d-barnevern", "/drive/d-barnevern?path=/Saker"] {
            let (st, html) = get(&s, &c, path).await;
            assert_eq!(st, 200, "{html}");
            assert!(html.contains("class=\"banner l3\""), "{html}");
            assert!(html.contains(sentence), "{lang} {path}: {html}");
        }
    }
    let r = c.get(format!("{}/language?l=en&back=/drive", s.base)).send().await.unwrap();
    assert_eq!(r.status(), 303);

    // A folder: breadcrumbs, the file with its size, a download link.
    let (_, html) = get(&s, &c, "/drive/d-barnevern?path=/Saker").await;
    assert!(html.contains("<nav class=\"crumbs\" aria-label=\"You are here\">"), "{html}");
    assert!(html.contains("2026-117 Bekymringsmelding.txt"));
    let text = "Bekymringsmelding mottatt 3. november. Undersøkelse startet.\n";
    assert!(html.contains(&format!("{} B", text.len())), "{html}");
    let link = href_of(&html, "/drive/d-barnevern/file?path=").to_string();
    let r = c.get(format!("{}{}", s.base, link.replace("&amp;", "&"))).send().await.unwrap();
    assert_eq!(r.status(), 200);
    let cd = r.headers()["content-disposition"].to_str().unwrap().to_string();
    assert!(cd.starts_with("attachment;") && cd.contains("filename*=UTF-8''2026-117%20Bekymringsmelding.txt"), "{cd}");
    assert_eq!(r.bytes().await.unwrap().as_ref(), text.as_bytes(), "byte for byte");

    // Upload without JavaScript: multipart, CSRF field first.
    let token = csrf_of(&html);
    let data: Vec<u8> = (0..200_000u32).map(|i| (i % 251) as u8).collect();
    let (ct, body) = multipart(Some(&token), "/Saker", &[("Notat ø.bin", &data)]);
    let r = c
        .post(format!("{}/drive/{BARNEVERN}/upload", s.base))
        .header("content-type", ct)
        .body(body)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    let to = r.headers()["location"].to_str().unwrap().to_string();
    assert_eq!(to, "/drive/d-barnevern?path=/Saker&done=uploaded");
    let (_, html) = get(&s, &c, &to).await;
    assert!(html.contains("role=\"status\"") && html.contains("Uploaded."), "{html}");
    assert!(html.contains("Notat ø.bin"), "{html}");
    let r = c.get(format!("{}/drive/{BARNEVERN}/file?path=/Saker/Notat%20%C3%B8.bin", s.base)).send().await.unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(r.bytes().await.unwrap().as_ref(), &data[..]);

    // Without the token, or with the token not first: refused, nothing stored.
    let (ct, body) = multipart(None, "/Saker", &[("Uten.txt", b"x")]);
    let r = c
        .post(format!("{}/drive/{BARNEVERN}/upload", s.base))
        .header("content-type", ct)
        .body(body)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
    let r = c
        .post(format!("{}/drive/{BARNEVERN}/mkdir", s.base))
        .form(&[("csrf", "nope"), ("path", "/"), ("name", "Ny")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
    let (_, html) = get(&s, &c, "/drive/d-barnevern?path=/Saker").await;
    assert!(!html.contains("Uten.txt"));
    let (_, html) = get(&s, &c, "/drive/d-barnevern").await;
    assert!(!html.contains(">Ny<"));

    // With it: a new folder.
    let r = c
        .post(format!("{}/drive/{BARNEVERN}/mkdir", s.base))
        .form(&[("csrf", token.as_str()), ("path", "/"), ("name", "Møter")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    let (_, html) = get(&s, &c, "/drive/d-barnevern?done=folder").await;
    assert!(html.contains("Folder created.") && html.contains(">Møter</a>"), "{html}");

    // A link on Barnevern: the form is there, the gate refuses with its reason.
    let (st, html) = get(&s, &c, "/drive/d-barnevern/share?path=/Saker/2026-117%20Bekymringsmelding.txt").await;
    assert_eq!(st, 200, "{html}");
    assert!(html.contains("class=\"banner l3\""));
    let r = c
        .post(format!("{}/drive/{BARNEVERN}/share", s.base))
        .form(&[
            ("csrf", token.as_str()),
            ("path", "/Saker/2026-117 Bekymringsmelding.txt"),
            ("kind", "link"),
            ("mode", "view"),
            ("expires", ""),
            ("password", ""),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
    let html = r.text().await.unwrap();
    assert!(html.contains("role=\"alert\""), "{html}");
    assert!(html.contains("Strengt fortrolig content cannot be shared by link."), "{html}");

    // Rename and delete to the trash, then restore.
    let r = c
        .post(format!("{}/drive/{BARNEVERN}/move", s.base))
        .form(&[("csrf", token.as_str()), ("path", "/Saker/Notat ø.bin"), ("name", "Notat 2.bin")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    let r = c
        .post(format!("{}/drive/{BARNEVERN}/delete", s.base))
        .form(&[("csrf", token.as_str()), ("path", "/Saker/Notat 2.bin")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    let (_, html) = get(&s, &c, "/drive/d-barnevern?path=/Saker").await;
    assert!(!html.contains("Notat 2.bin"));
    let (st, html) = get(&s, &c, "/drive/d-barnevern/trash").await;
    assert_eq!(st, 200, "{html}");
    assert!(html.contains("/Saker/Notat 2.bin"), "{html}");
    let i = html.find("name=\"id\" value=\"").unwrap() + 17;
    let id = html[i..].split('"').next().unwrap().to_string();
    let r = c
        .post(format!("{}/drive/{BARNEVERN}/trash/restore", s.base))
        .form(&[("csrf", token.as_str()), ("id", id.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    let (_, html) = get(&s, &c, "/drive/d-barnevern?path=/Saker").await;
    assert!(html.contains("Notat 2.bin"));

    // Search finds it.
    let (st, html) = get(&s, &c, "/drive/search?q=Bekymringsmelding").await;
    assert_eq!(st, 200);
    assert!(html.contains("2026-117 Bekymringsmelding.txt"), "{html}");
}

#[tokio::test]
async fn per_is_offered_only_people_he_may_discover_and_cannot_see_barnevern() {
    let s = start().await;
    let c = browser(&s, "en");
    assert_eq!(sign_in(&s, &c, "per.elev@nordvik.test").await.status(), 303);
    let (_, html) = get(&s, &c, "/drive").await;
    assert!(!html.contains("Barnevern"), "{html}");
    let mine = href_of(&html, "/drive/p-").to_string();
    let drive = mine.trim_start_matches("/drive/").to_string();
    let (st, html) = get(&s, &c, &mine).await;
    assert_eq!(st, 200);
    assert!(
        html.contains("class=\"banner l1\"") && html.contains("Intern: only you and whom you share with."),
        "{html}"
    );

    // The picker: his teacher yes, a pupil of another municipality no.
    let share = format!("/drive/{drive}/share?path=/Norsk/Stil.txt");
    for q in ["sara", "elev", "Sara Elev", "sorvik"] {
        let (st, html) = get(&s, &c, &format!("{share}&q={}", q.replace(' ', "%20"))).await;
        assert_eq!(st, 200, "{html}");
        assert!(!html.contains("sara.elev@sorvik.test"), "{q}: {html}");
    }
    let (_, html) = get(&s, &c, &format!("{share}&q=lars")).await;
    assert!(html.contains("value=\"lars.laerer@nordvik.test\""), "{html}");
    assert!(html.contains("type=\"radio\""));
    let token = csrf_of(&html);

    // Sharing with Sara anyway: the same answer as for nobody.
    let r = c
        .post(format!("{}/drive/{drive}/share", s.base))
        .form(&[
            ("csrf", token.as_str()),
            ("path", "/Norsk/Stil.txt"),
            ("kind", "person"),
            ("principal", "sara.elev@sorvik.test"),
            ("role", "viewer"),
        ])
        .send()
        .await
        .unwrap();
    let st = r.status();
    let html = r.text().await.unwrap();
    assert_eq!(st, 404, "{html}");
    assert!(html.contains("Not found") && !html.contains("sara.elev@sorvik.test"), "{html}");

    // Sharing with his teacher works, and the teacher finds it.
    let r = c
        .post(format!("{}/drive/{drive}/share", s.base))
        .form(&[
            ("csrf", token.as_str()),
            ("path", "/Norsk/Stil.txt"),
            ("kind", "person"),
            ("principal", "lars.laerer@nordvik.test"),
            ("role", "viewer"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let html = r.text().await.unwrap();
    assert!(html.contains("role=\"status\"") && html.contains("Shared with lars.laerer@nordvik.test."), "{html}");
    let lars = browser(&s, "nb");
    assert_eq!(sign_in(&s, &lars, "lars.laerer@nordvik.test").await.status(), 303);
    let (st, html) = get(&s, &lars, "/drive/shared").await;
    assert_eq!(st, 200);
    assert!(html.contains("Delt med meg") && html.contains("Stil.txt"), "{html}");
    let link = href_of(&html, &format!("/drive/{drive}/file?path=")).replace("&amp;", "&");
    let r = lars.get(format!("{}{link}", s.base)).send().await.unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(r.text().await.unwrap(), "Min sommerferie.\n");

    // A new version by upload; the earlier one is listed and restored.
    let (ct, body) = multipart(Some(&token), "/Norsk", &[("Stil.txt", b"Min vinterferie.\n")]);
    let r =
        c.post(format!("{}/drive/{drive}/upload", s.base)).header("content-type", ct).body(body).send().await.unwrap();
    assert_eq!(r.status(), 303);
    let (st, html) = get(&s, &c, &format!("/drive/{drive}/versions?path=/Norsk/Stil.txt")).await;
    assert_eq!(st, 200, "{html}");
    let i = html.find("name=\"version\" value=\"").expect("an earlier version") + 22;
    let v = html[i..].split('"').next().unwrap().to_string();
    let r = c
        .post(format!("{}/drive/{drive}/versions/restore", s.base))
        .form(&[("csrf", token.as_str()), ("path", "/Norsk/Stil.txt"), ("version", v.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    let (_, html) = get(&s, &c, r.headers()["location"].to_str().unwrap()).await;
    assert!(html.contains("The earlier version is the current one again."), "{html}");
    let (_, text) = get(&s, &c, &format!("/drive/{drive}/file?path=/Norsk/Stil.txt")).await;
    assert_eq!(text, "Min sommerferie.\n");

    // Barnevern reads exactly like a drive that does not exist.
    let (st1, hidden) = get(&s, &c, "/drive/d-barnevern").await;
    let (st2, missing) = get(&s, &c, "/drive/d-no-such-drive").await;
    assert_eq!((st1, st2), (404, 404));
    assert_eq!(hidden, missing);
    let (st, file) = get(&s, &c, "/drive/d-barnevern/file?path=/Saker/2026-117%20Bekymringsmelding.txt").await;
    assert_eq!(st, 404);
    assert!(!file.contains("Bekymringsmelding mottatt"));
    let (st, _) = get(&s, &c, "/drive/d-barnevern/share?path=/Saker").await;
    assert_eq!(st, 404);
}

#[tokio::test]
async fn a_full_drive_says_so_and_raised_items_show_their_level() {
    let s = start().await;
    // The teachers' drive gets a quota it already exceeds (an admin's act).
    let admin = ctx_of(&s, "anna.admin@nordvik.test", suveren_policy::Action::DriveManage);
    s.app.update_team_drive(&admin, "d-nordvik-skole-laerere", |d| d.quota = Some(10)).await.unwrap();
    let c = browser(&s, "nb");
    assert_eq!(sign_in(&s, &c, "lars.laerer@nordvik.test").await.status(), 303);
    let (st, html) = get(&s, &c, "/drive/d-nordvik-skole-laerere?path=/Planer").await;
    assert_eq!(st, 200, "{html}");
    assert!(html.contains("class=\"banner l1\"") && html.contains("Intern: bare medlemmer av Lærere Nordvik skole."));
    let token = csrf_of(&html);
    let (ct, body) = multipart(Some(&token), "/Planer", &[("Ukeplan.txt", b"Uke 49: prosjekt.\n")]);
    let r = c
        .post(format!("{}/drive/d-nordvik-skole-laerere/upload", s.base))
        .header("content-type", ct)
        .body(body)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 409);
    let html = r.text().await.unwrap();
    assert!(html.contains("role=\"alert\"") && html.contains("Området er fullt"), "{html}");
    assert!(!html.contains(">Ukeplan.txt<"), "nothing was stored");

    // Siri raises a note in her own drive to Fortrolig: the listing says so.
    let siri = ctx_of(&s, "siri.saksbehandler@nordvik.test", suveren_policy::Action::ContentWrite);
    let place = s
        .app
        .place(&siri, suveren_service::drive::DriveSel::Personal("siri.saksbehandler@nordvik.test"))
        .await
        .unwrap();
    s.app.set_level(&siri, &place, "/Notater.txt", 2).await.unwrap();
    let c = browser(&s, "sv");
    assert_eq!(sign_in(&s, &c, "siri.saksbehandler@nordvik.test").await.status(), 303);
    let (st, html) = get(&s, &c, &format!("/drive/{}", place.drive.id)).await;
    assert_eq!(st, 200, "{html}");
    assert!(html.contains("Intern: bara du och de du delar med."), "{html}");
    assert!(html.contains("Notater.txt") && html.contains("<span class=\"level\">Fortrolig</span>"), "{html}");
}
