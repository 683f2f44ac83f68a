//! Share links as their recipients see them (`/l/{token}`), in a browser
//! with no session: a view link downloads the same bytes, a password link
//! asks first and says why a password is refused, an upload link takes
//! files and shows nothing, and every link that does not work answers the
//! same page.

mod common;

use common::{browser, csrf_of, ctx_of, sign_in, start, Server};
use suveren_policy::Action;
use suveren_service::drive::{DriveSel, NewShare};

const TEACHERS: &str = "d-nordvik-skole-laerere";
const PLAN: &str = "/Planer/Årsplan 8. trinn.txt";
const PLAN_TEXT: &str = "Årsplan for 8. trinn, norsk og samfunnsfag.\n";

/// The demo's Intern level allows no links; the tenant's administrator
/// allows them (as a municipality may choose to).
async fn links_allowed_at_intern(s: &Server) {
    let anna = ctx_of(s, "anna.admin@nordvik.test", Action::ClassificationManage);
    let mut scheme = s.app.get_scheme(&anna, "nordvik").await.unwrap();
    scheme.levels[1].public_links = true;
    s.app.set_scheme(&anna, "nordvik", &scheme).await.unwrap();
}

/// A link made by lars through the service (the dialog is tested once).
async fn make_link(s: &Server, path: &str, mode: &str, expires: Option<i64>, password: Option<&str>) -> String {
    let lars = ctx_of(s, "lars.laerer@nordvik.test", Action::ContentShare);
    let place = s.app.place(&lars, DriveSel::Id(TEACHERS)).await.unwrap();
    let req = NewShare {
        principal: None,
        group: None,
        link: Some(mode.into()),
        role: None,
        expires,
        password: password.map(Into::into),
    };
    s.app.share(&lars, &place, path, req).await.unwrap().1.unwrap()
}

async fn get(s: &Server, c: &reqwest::Client, path: &str) -> (u16, String) {
    let r = c.get(format!("{}{path}", s.base)).send().await.unwrap();
    (r.status().as_u16(), r.text().await.unwrap())
}

async fn bytes(s: &Server, c: &reqwest::Client, path: &str) -> (u16, Vec<u8>) {
    let r = c.get(format!("{}{path}", s.base)).send().await.unwrap();
    (r.status().as_u16(), r.bytes().await.unwrap().to_vec())
}

fn href_of<'a>(html: &'a str, prefix: &str) -> &'a str {
    let i = html.find(&format!("href=\"{prefix}")).unwrap_or_else(|| panic!("a link to {prefix}: {html}")) + 6;
    html[i..].split('"').next().unwrap()
}

fn main_of(html: &str) -> &str {
    let i = html.find("<main").expect("main");
    &html[i..html.find("</main>").expect("end of main")]
}

/// A multipart body as a browser sends the upload form.
fn multipart(files: &[(&str, &[u8])]) -> (String, Vec<u8>) {
    let b = "----suverenLinkBoundary5d1e";
    let mut body = Vec::new();
    for (name, data) in files {
        body.extend_from_slice(
            format!(
                "--{b}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{name}\"\r\nContent-Type: text/plain\r\n\r\n"
            )
            .as_bytes(),
        );
        body.extend_from_slice(data);
        body.extend_from_slice(b"\r\n");
    }
    body.extend_from_slice(format!("--{b}--\r\n").as_bytes());
    (format!("multipart/form-data; boundary={b}"), body)
}

#[tokio::test]
async fn a_link_from_the_share_dialog_opens_without_a_session_and_downloads_the_same_bytes() {
    let s = start().await;
    links_allowed_at_intern(&s).await;
    let lars = browser(&s, "en");
    assert_eq!(sign_in(&s, &lars, "lars.laerer@nordvik.test").await.status(), 303);
    let q = "path=/Planer/%C3%85rsplan%208.%20trinn.txt";
    let (st, html) = get(&s, &lars, &format!("/drive/{TEACHERS}/share?{q}")).await;
    assert_eq!(st, 200, "{html}");
    let token = csrf_of(&html);
    let r = lars
        .post(format!("{}/drive/{TEACHERS}/share", s.base))
        .form(&[
            ("csrf", token.as_str()),
            ("path", PLAN),
            ("kind", "link"),
            ("mode", "view"),
            ("expires", ""),
            ("password", ""),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let html = r.text().await.unwrap();
    // The dialog prints the page's address on the host it was reached at.
    let prefix = format!("<code class=\"link\">{}/l/", s.base);
    let i = html.find(&prefix).unwrap_or_else(|| panic!("the link's address: {html}")) + prefix.len();
    let link = html[i..].split('<').next().unwrap().to_string();
    assert!(!link.is_empty() && !html.contains("/api/v1/links/"), "{html}");

    // Someone without an account opens it: the file, its level, no expiry.
    let anon = browser(&s, "en");
    let (st, page) = get(&s, &anon, &format!("/l/{link}")).await;
    assert_eq!(st, 200, "{page}");
    assert!(page.contains("<h1>Årsplan 8. trinn.txt</h1>"), "{page}");
    assert!(page.contains("class=\"banner l1\"") && page.contains("Intern: only members of Lærere Nordvik skole."));
    assert!(page.contains("This link has no expiry date."), "{page}");
    assert!(!page.contains("Sign out") && !page.contains("Kriterier.txt"), "no session, nothing else of the drive");
    let download = href_of(&page, &format!("/l/{link}/file")).replace("&amp;", "&");
    let (st, got) = bytes(&s, &anon, &download).await;
    assert_eq!(st, 200);
    assert_eq!(got, PLAN_TEXT.as_bytes());
    // The very bytes lars gets from his drive.
    let (_, his) = bytes(&s, &lars, &format!("/drive/{TEACHERS}/file?{q}")).await;
    assert_eq!(got, his);

    // A folder link lists its files, each with its download.
    let folder = make_link(&s, "/Planer", "view", None, None).await;
    let (st, page) = get(&s, &anon, &format!("/l/{folder}")).await;
    assert_eq!(st, 200, "{page}");
    assert!(page.contains("<h1>Planer</h1>") && page.contains("<th scope=\"col\">Size</th>"), "{page}");
    let whole = make_link(&s, "/", "view", None, None).await;
    let (st, root) = get(&s, &anon, &format!("/l/{whole}")).await;
    assert_eq!(st, 200, "{root}");
    assert!(root.contains("<h1>Nordvik skole – lærere</h1>") && root.contains("Planer"), "the drive's name: {root}");
    let download = href_of(&page, &format!("/l/{folder}/file?path=")).replace("&amp;", "&");
    assert_eq!(bytes(&s, &anon, &download).await, (200, PLAN_TEXT.as_bytes().to_vec()));
    // Nothing outside the linked folder through it.
    let (st, body) = bytes(&s, &anon, &format!("/l/{folder}/file?path=../Vurdering/Kriterier.txt")).await;
    assert!(st == 404 || st == 422, "{st}");
    assert!(!String::from_utf8_lossy(&body).contains("Vurderingskriterier"));
}

#[tokio::test]
async fn a_password_link_asks_refuses_a_wrong_password_with_a_reason_and_opens_with_the_right_one() {
    let s = start().await;
    links_allowed_at_intern(&s).await;
    let exp = suveren_service::now_unix() + 7 * 86_400;
    let token = make_link(&s, PLAN, "view", Some(exp), Some("suppe-2026")).await;
    let anon = browser(&s, "en");
    let (st, page) = get(&s, &anon, &format!("/l/{token}")).await;
    assert_eq!(st, 200, "{page}");
    assert!(page.contains("Shared with a password") && page.contains("name=\"password\""), "{page}");
    assert!(page.contains("<label for=\"link-pw\">Password</label>"));
    assert!(!page.contains("Årsplan"), "nothing is shown before the password");
    let (st, _) = bytes(&s, &anon, &format!("/l/{token}/file")).await;
    assert_eq!(st, 200, "the download asks for the password too (its form)");
    let (_, body) = get(&s, &anon, &format!("/l/{token}/file")).await;
    assert!(body.contains("name=\"password\"") && !body.contains("samfunnsfag"));

    // A wrong password: refused, with the reason, announced.
    let r = anon.post(format!("{}/l/{token}", s.base)).form(&[("password", "feil")]).send().await.unwrap();
    assert_eq!(r.status(), 401);
    assert!(r.headers().get("set-cookie").is_none());
    let page = r.text().await.unwrap();
    assert!(page.contains("role=\"alert\"") && page.contains("That password is not right."), "{page}");
    assert!(page.contains("aria-invalid=\"true\""));

    // A form posted from another site is refused before anything else.
    let mut h = reqwest::header::HeaderMap::new();
    h.insert("origin", "http://evil.example".parse().unwrap());
    let evil = reqwest::Client::builder().default_headers(h).redirect(reqwest::redirect::Policy::none()).build();
    let r = evil.unwrap().post(format!("{}/l/{token}", s.base)).form(&[("password", "suppe-2026")]).send().await;
    assert_eq!(r.unwrap().status(), 403);

    // The right one: the link opens in this browser, for this link only.
    let r = anon.post(format!("{}/l/{token}", s.base)).form(&[("password", "suppe-2026")]).send().await.unwrap();
    assert_eq!(r.status(), 303);
    assert_eq!(r.headers()["location"], format!("/l/{token}"));
    let cookie = r.headers()["set-cookie"].to_str().unwrap().to_string();
    assert!(cookie.contains(&format!("Path=/l/{token};")) && cookie.contains("HttpOnly"), "{cookie}");
    let (st, page) = get(&s, &anon, &format!("/l/{token}")).await;
    assert_eq!(st, 200, "{page}");
    assert!(page.contains("<h1>Årsplan 8. trinn.txt</h1>"), "{page}");
    assert!(page.contains("This link works until "), "the expiry is shown: {page}");
    assert_eq!(bytes(&s, &anon, &format!("/l/{token}/file")).await, (200, PLAN_TEXT.as_bytes().to_vec()));
    // Another browser still has to give the password.
    let other = browser(&s, "en");
    let (_, page) = get(&s, &other, &format!("/l/{token}")).await;
    assert!(page.contains("name=\"password\"") && !page.contains("<h1>Årsplan"));
    // The cookie carries an unlock token, never the password, and it opens
    // this link only: sent to another link with the same password, it is
    // worth nothing.
    let value = cookie.split(';').next().unwrap().trim_start_matches("suveren_link=").to_string();
    assert!(!value.is_empty() && !value.contains("suppe"), "{cookie}");
    let second = make_link(&s, PLAN, "view", Some(exp), Some("suppe-2026")).await;
    let bare = reqwest::Client::new();
    let page = bare
        .get(format!("{}/l/{second}", s.base))
        .header("cookie", format!("suveren_link={value}"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains("name=\"password\"") && !page.contains("<h1>Årsplan"), "{page}");
    let page = bare
        .get(format!("{}/l/{token}", s.base))
        .header("cookie", format!("suveren_link={value}"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains("<h1>Årsplan 8. trinn.txt</h1>"), "the token opens its own link from anywhere: {page}");
}

#[tokio::test]
async fn an_upload_link_takes_files_shows_nothing_and_never_replaces() {
    let s = start().await;
    links_allowed_at_intern(&s).await;
    let token = make_link(&s, "/Vurdering", "upload", None, None).await;
    let anon = browser(&s, "en");
    let (st, page) = get(&s, &anon, &format!("/l/{token}")).await;
    assert_eq!(st, 200, "{page}");
    assert!(page.contains("Send files to Vurdering") && page.contains("enctype=\"multipart/form-data\""), "{page}");
    assert!(page.contains("class=\"banner l1\""));
    assert!(!page.contains("Kriterier.txt") && !page.contains("<table"), "no listing: {page}");

    let (ct, body) = multipart(&[("Svar Per.txt", b"Mitt svar.\n")]);
    let r = anon
        .post(format!("{}/l/{token}/upload", s.base))
        .header("content-type", ct.clone())
        .body(body.clone())
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    let to = r.headers()["location"].to_str().unwrap().to_string();
    let (_, page) = get(&s, &anon, &to).await;
    assert!(page.contains("role=\"status\"") && page.contains("One file was received."), "{page}");
    assert!(!page.contains("Svar Per.txt") && !page.contains("Kriterier.txt"), "still no listing");

    // Lars sees it in his drive, with what was sent.
    let lars = browser(&s, "en");
    assert_eq!(sign_in(&s, &lars, "lars.laerer@nordvik.test").await.status(), 303);
    let (_, html) = get(&s, &lars, &format!("/drive/{TEACHERS}?path=/Vurdering")).await;
    assert!(html.contains(">Svar Per.txt</a>"), "{html}");
    let (_, got) = bytes(&s, &lars, &format!("/drive/{TEACHERS}/file?path=/Vurdering/Svar%20Per.txt")).await;
    assert_eq!(got, b"Mitt svar.\n");

    // The same name again is refused with the reason; nothing replaced.
    let (ct, body) = multipart(&[("Svar Per.txt", b"Overskrevet.\n")]);
    let r = anon.post(format!("{}/l/{token}/upload", s.base)).header("content-type", ct).body(body).send().await;
    let r = r.unwrap();
    assert!(r.status() == 409 || r.status() == 412, "{}", r.status());
    let page = r.text().await.unwrap();
    assert!(page.contains("role=\"alert\"") && page.contains("Svar Per.txt"), "{page}");
    let (_, got) = bytes(&s, &lars, &format!("/drive/{TEACHERS}/file?path=/Vurdering/Svar%20Per.txt")).await;
    assert_eq!(got, b"Mitt svar.\n");
    // An upload link reads nothing.
    let (st, body) = bytes(&s, &anon, &format!("/l/{token}/file?path=Kriterier.txt")).await;
    assert_ne!(st, 200);
    assert!(!String::from_utf8_lossy(&body).contains("Vurderingskriterier"));
    // Nothing chosen: said so.
    let (ct, body) = multipart(&[]);
    let r = anon.post(format!("{}/l/{token}/upload", s.base)).header("content-type", ct).body(body).send().await;
    let r = r.unwrap();
    assert_eq!(r.status(), 422);
    assert!(r.text().await.unwrap().contains("Choose at least one file to send."));
}

#[tokio::test]
async fn revoked_expired_and_unknown_links_answer_the_same_page() {
    let s = start().await;
    links_allowed_at_intern(&s).await;
    let anon = browser(&s, "en");

    let revoked = make_link(&s, PLAN, "view", None, None).await;
    assert_eq!(get(&s, &anon, &format!("/l/{revoked}")).await.0, 200);
    let lars = ctx_of(&s, "lars.laerer@nordvik.test", Action::ContentShare);
    let id = s.app.my_shares(&lars).await.unwrap().into_iter().find(|v| v.target_kind == "link").unwrap().id;
    s.app.revoke_share(&lars, &id).await.unwrap();

    let expired = make_link(&s, PLAN, "view", Some(suveren_service::now_unix() + 1), None).await;
    tokio::time::sleep(std::time::Duration::from_millis(2100)).await;

    let unknown = suveren_identity::token::new_token();
    let mut mains = Vec::new();
    for t in [revoked.as_str(), expired.as_str(), unknown.as_str(), "not-a-token"] {
        let (st, page) = get(&s, &anon, &format!("/l/{t}")).await;
        assert_eq!(st, 404, "{t}: {page}");
        assert!(page.contains("<h1>This link does not work (any more)</h1>"), "{page}");
        assert!(page.contains("role=\"alert\"") && !page.contains("Årsplan"), "{page}");
        mains.push(main_of(&page).to_string());
        let (st, body) = bytes(&s, &anon, &format!("/l/{t}/file")).await;
        assert_eq!(st, 404);
        assert!(!String::from_utf8_lossy(&body).contains("samfunnsfag"));
    }
    assert!(mains.windows(2).all(|w| w[0] == w[1]), "one page for every link that does not work");
    // In the reader's language.
    let nb = browser(&s, "nb");
    let (st, page) = get(&s, &nb, &format!("/l/{unknown}")).await;
    assert_eq!(st, 404);
    assert!(page.contains("Denne lenken virker ikke (lenger)"), "{page}");
}
