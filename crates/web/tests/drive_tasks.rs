//! The drive tasks of the REST API, done in the browser without
//! JavaScript: copy, classification (a raise kills a link at once; a
//! non-owner's lowering is refused with the reason), the shares and links
//! of an item with their revocation ("shared by me" too), and deleting from
//! the trash for good (one entry, or all of it) behind a confirmation page,
//! refused with the reason while a legal hold keeps the content.

mod common;

use common::{browser, csrf_of, ctx_of, sign_in, start, Server};
use suveren_policy::{AccessRole, Action};
use suveren_service::drive::{DriveSel, Member, Place, WriteOpts};

const TEACHERS: &str = "d-nordvik-skole-laerere";
const LARS: &str = "lars.laerer@nordvik.test";

async fn get(s: &Server, c: &reqwest::Client, path: &str) -> (u16, String) {
    let r = c.get(format!("{}{path}", s.base)).send().await.unwrap();
    (r.status().as_u16(), r.text().await.unwrap())
}

async fn post(s: &Server, c: &reqwest::Client, path: &str, form: &[(&str, &str)]) -> (u16, String, String) {
    let r = c.post(format!("{}{path}", s.base)).form(form).send().await.unwrap();
    let status = r.status().as_u16();
    let to = r.headers().get("location").map(|v| v.to_str().unwrap().to_string()).unwrap_or_default();
    (status, to, r.text().await.unwrap())
}

async fn bytes(s: &Server, c: &reqwest::Client, path: &str) -> (u16, Vec<u8>) {
    let r = c.get(format!("{}{path}", s.base)).send().await.unwrap();
    (r.status().as_u16(), r.bytes().await.unwrap().to_vec())
}

fn enc(s: &str) -> String {
    s.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-._~/".contains(&b) {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

/// The text between `from` and the next `to` (from `from` on).
fn between<'a>(html: &'a str, from: &str, to: &str) -> &'a str {
    let i = html.find(from).unwrap_or_else(|| panic!("{from} in {html}"));
    let rest = &html[i..];
    &rest[..rest.find(to).unwrap_or(rest.len())]
}

/// The value of the first `name="{name}" value="…"` after `after`.
fn field<'a>(html: &'a str, after: &str, name: &str) -> &'a str {
    let i = html.find(after).unwrap_or_else(|| panic!("{after} in {html}"));
    let pat = format!("name=\"{name}\" value=\"");
    let j = html[i..].find(&pat).unwrap_or_else(|| panic!("{pat} after {after} in {html}")) + i + pat.len();
    html[j..].split('"').next().unwrap()
}

async fn personal(s: &Server, login: &str) -> Place {
    let ctx = ctx_of(s, login, Action::ContentList);
    s.app.place(&ctx, DriveSel::Personal(login)).await.unwrap()
}

#[tokio::test]
async fn lars_copies_a_plan_into_another_folder_and_gets_the_same_bytes() {
    let s = start().await;
    let c = browser(&s, "en");
    assert_eq!(sign_in(&s, &c, LARS).await.status(), 303);
    let file = "/Planer/Årsplan 8. trinn.txt";
    let (st, html) = get(&s, &c, &format!("/drive/{TEACHERS}/item?path={}", enc(file))).await;
    assert_eq!(st, 200, "{html}");
    let copy = between(&html, "id=\"copy-h\"", "</section>");
    assert!(copy.contains("action=\"/drive/d-nordvik-skole-laerere/copy\""), "{copy}");
    assert!(copy.contains("<label for=\"copy-name\">Name of the copy</label>"), "{copy}");
    assert!(copy.contains("value=\"Årsplan 8. trinn (copy).txt\""), "a suggested name: {copy}");
    assert!(copy.contains("id=\"copy-dest\" name=\"dest\" type=\"text\" required value=\"/Planer\""), "{copy}");
    let token = csrf_of(&html);

    let (st, to, _) = post(
        &s,
        &c,
        &format!("/drive/{TEACHERS}/copy"),
        &[("csrf", &token), ("path", file), ("dest", "/Vurdering"), ("name", "Årsplan kopi.txt")],
    )
    .await;
    assert_eq!((st, to.as_str()), (303, "/drive/d-nordvik-skole-laerere?path=/Vurdering&done=copied"));
    let (_, html) = get(&s, &c, &to).await;
    assert!(html.contains("role=\"status\"") && html.contains("Copied."), "{html}");
    assert!(html.contains(">Årsplan kopi.txt<"), "{html}");

    // Both download, byte for byte the same.
    let (st1, a) = bytes(&s, &c, &format!("/drive/{TEACHERS}/file?path={}", enc(file))).await;
    let (st2, b) = bytes(&s, &c, &format!("/drive/{TEACHERS}/file?path={}", enc("/Vurdering/Årsplan kopi.txt"))).await;
    assert_eq!((st1, st2), (200, 200));
    assert_eq!(a, "Årsplan for 8. trinn, norsk og samfunnsfag.\n".as_bytes());
    assert_eq!(a, b);

    // The same copy again: refused where the form is, with the reason.
    let (st, _, html) = post(
        &s,
        &c,
        &format!("/drive/{TEACHERS}/copy"),
        &[("csrf", &token), ("path", file), ("dest", "/Vurdering"), ("name", "Årsplan kopi.txt")],
    )
    .await;
    assert_eq!(st, 409, "{html}");
    assert!(html.contains("role=\"alert\"") && html.contains("already here"), "{html}");
    assert!(html.contains("id=\"copy-h\""), "the item page again: {html}");

    // Without the session's token nothing is copied.
    let (st, _, _) = post(
        &s,
        &c,
        &format!("/drive/{TEACHERS}/copy"),
        &[("csrf", "nope"), ("path", file), ("dest", "/Vurdering"), ("name", "Tredje.txt")],
    )
    .await;
    assert_eq!(st, 403);
    let (st, _) = bytes(&s, &c, &format!("/drive/{TEACHERS}/file?path=/Vurdering/Tredje.txt")).await;
    assert_eq!(st, 404);
}

#[tokio::test]
async fn raising_a_level_kills_the_link_at_once_and_only_an_owner_lowers_it() {
    let s = start().await;
    // An Open team drive (the administrator's act): Lars owns it, Oda edits.
    let snap = s.app.snapshot();
    let id = |login: &str| snap.dir.principal_by_login(login).unwrap().id.clone();
    let anna = ctx_of(&s, "anna.admin@nordvik.test", Action::DriveManage);
    let members = vec![
        Member { principal: Some(id(LARS)), group: None, role: AccessRole::Owner },
        Member { principal: Some(id("oda.godkjenner@nordvik.test")), group: None, role: AccessRole::Editor },
    ];
    let d = s.app.create_team_drive(&anna, "Åpent", "apent", 0, members).await.unwrap();
    let w = ctx_of(&s, LARS, Action::ContentWrite);
    let place = s.app.place(&w, DriveSel::Id(&d.id)).await.unwrap();
    s.app.write(&w, &place, "/Meny.txt", &mut &b"Fiskesuppe"[..], WriteOpts::default()).await.unwrap();

    let c = browser(&s, "en");
    assert_eq!(sign_in(&s, &c, LARS).await.status(), 303);
    let dialog = format!("/drive/{}/share?path=/Meny.txt", d.id);
    let (st, html) = get(&s, &c, &dialog).await;
    assert_eq!(st, 200, "{html}");
    assert!(html.contains("This item is not shared, and it has no links."), "{html}");
    let token = csrf_of(&html);
    let (st, _, html) = post(
        &s,
        &c,
        &format!("/drive/{}/share", d.id),
        &[
            ("csrf", &token),
            ("path", "/Meny.txt"),
            ("kind", "link"),
            ("mode", "view"),
            ("expires", ""),
            ("password", ""),
        ],
    )
    .await;
    assert_eq!(st, 200, "{html}");
    // The link as shown (the API's URL, or a page over it): its token.
    let shown = between(&html, "<code class=\"link\">", "</code>")["<code class=\"link\">".len()..].to_string();
    let token_of_link = shown.rsplit('/').next().unwrap().to_string();
    assert!(token_of_link.len() > 20, "{shown}");
    let url = format!("/api/v1/links/{token_of_link}");
    // The dialog lists the link with its revoke button.
    let shares = between(&html, "id=\"shares-h\"", "</section>");
    assert!(shares.contains("<td>A link</td>") && shares.contains("Does not expire"), "{shares}");
    assert!(shares.contains("lars.laerer@nordvik.test") && shares.contains("End the link of "), "{shares}");
    let anon = reqwest::Client::new();
    let r = anon.get(format!("{}{url}/content", s.base)).send().await.unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(r.text().await.unwrap(), "Fiskesuppe");

    // The item page says what the level is and what raising does.
    let item = format!("/drive/{}/item?path=/Meny.txt", d.id);
    let (st, html) = get(&s, &c, &item).await;
    assert_eq!(st, 200, "{html}");
    let level = between(&html, "id=\"level-h\"", "</section>");
    assert!(level.contains("This item is classified Åpen."), "{level}");
    assert!(level.contains("links to it stop working"), "{level}");
    assert!(level.contains("Only an owner can lower it"), "{level}");
    assert!(level.contains("id=\"level-0\" value=\"0\" aria-describedby=\"level-0-rules\" checked"), "{level}");
    assert!(level.contains("<label for=\"level-1\">Intern</label>"), "{level}");
    assert!(level.contains("no links"), "each level says what it allows: {level}");

    // Raised to Intern: the link answers "not found" from then on.
    let (st, to, _) =
        post(&s, &c, &format!("/drive/{}/level", d.id), &[("csrf", &token), ("path", "/Meny.txt"), ("level", "1")])
            .await;
    assert_eq!((st, to.as_str()), (303, format!("{item}&done=level").as_str()));
    let (_, html) = get(&s, &c, &to).await;
    assert!(html.contains("The classification is changed.") && html.contains("This item is classified Intern."));
    for path in [format!("{url}/content"), url.clone()] {
        let r = anon.get(format!("{}{path}", s.base)).send().await.unwrap();
        assert_eq!(r.status(), 404, "{path}");
    }

    // Oda may edit, not lower: refused with the reason, nothing changed.
    let oda = browser(&s, "en");
    assert_eq!(sign_in(&s, &oda, "oda.godkjenner@nordvik.test").await.status(), 303);
    let (st, html) = get(&s, &oda, &item).await;
    assert_eq!(st, 200, "{html}");
    let t = csrf_of(&html);
    let (st, _, html) =
        post(&s, &oda, &format!("/drive/{}/level", d.id), &[("csrf", &t), ("path", "/Meny.txt"), ("level", "0")]).await;
    assert_eq!(st, 403, "{html}");
    assert!(html.contains("role=\"alert\""), "{html}");
    assert!(html.contains("Only an owner may lower the classification of content."), "{html}");
    assert!(html.contains("This item is classified Intern."), "{html}");
    let n = s.app.stat(&w, &place, "/Meny.txt").await.unwrap();
    assert_eq!(n.level, 1);

    // In Norwegian the same refusal reads in Norwegian.
    let r = oda.get(format!("{}/language?l=nb&back=/drive", s.base)).send().await.unwrap();
    assert_eq!(r.status(), 303);
    let (st, _, html) =
        post(&s, &oda, &format!("/drive/{}/level", d.id), &[("csrf", &t), ("path", "/Meny.txt"), ("level", "0")]).await;
    assert_eq!(st, 403);
    assert!(html.contains("Dette elementet er klassifisert som Intern."), "{html}");

    // Lars, the owner, lowers it again.
    let (st, _, _) =
        post(&s, &c, &format!("/drive/{}/level", d.id), &[("csrf", &token), ("path", "/Meny.txt"), ("level", "0")])
            .await;
    assert_eq!(st, 303);
    assert_eq!(s.app.stat(&w, &place, "/Meny.txt").await.unwrap().level, 0);
}

#[tokio::test]
async fn revoking_a_share_ends_the_others_access_and_shared_by_me_lists_and_revokes() {
    let s = start().await;
    let lars_drive = personal(&s, LARS).await.drive.id.clone();
    let c = browser(&s, "en");
    assert_eq!(sign_in(&s, &c, LARS).await.status(), 303);
    let file = "/Foreldremøte.md";
    let dialog = format!("/drive/{lars_drive}/share?path={}", enc(file));
    let (st, html) = get(&s, &c, &dialog).await;
    assert_eq!(st, 200, "{html}");
    let token = csrf_of(&html);
    let share = |token: String| {
        let (s, c, lars_drive) = (&s, &c, lars_drive.clone());
        async move {
            let (st, _, html) = post(
                s,
                c,
                &format!("/drive/{lars_drive}/share"),
                &[
                    ("csrf", token.as_str()),
                    ("path", file),
                    ("kind", "person"),
                    ("principal", "per.elev@nordvik.test"),
                    ("role", "viewer"),
                ],
            )
            .await;
            assert_eq!(st, 200, "{html}");
            assert!(html.contains("Shared with per.elev@nordvik.test."), "{html}");
            html
        }
    };
    let html = share(token.clone()).await;
    let rows = between(&html, "id=\"shares-h\"", "</section>");
    assert!(rows.contains("<td>per.elev@nordvik.test</td><td>Can view</td><td>Does not expire</td>"), "{rows}");
    assert!(rows.contains("End the share with per.elev@nordvik.test"), "{rows}");
    let id = field(&html, "id=\"shares-h\"", "id").to_string();

    // Per sees it, and so does "Shared by me".
    let per = browser(&s, "en");
    assert_eq!(sign_in(&s, &per, "per.elev@nordvik.test").await.status(), 303);
    let (_, html) = get(&s, &per, "/drive/shared").await;
    assert!(html.contains("Foreldremøte.md"), "{html}");
    let download = format!("/drive/{lars_drive}/file?path={}", enc(file));
    assert_eq!(bytes(&s, &per, &download).await.0, 200);
    let (st, html) = get(&s, &c, "/drive/shared-by-me").await;
    assert_eq!(st, 200, "{html}");
    assert!(html.contains("href=\"/drive/shared-by-me\""), "in the drive menu: {html}");
    assert!(html.contains("Foreldremøte.md") && html.contains("<td>per.elev@nordvik.test</td>"), "{html}");
    assert!(html.contains(&format!("name=\"id\" value=\"{id}\"")), "{html}");

    // Another organisation cannot end it (it does not exist for them).
    let erik = browser(&s, "en");
    assert_eq!(sign_in(&s, &erik, "erik.ansatt@sorvik.test").await.status(), 303);
    let (_, html) = get(&s, &erik, "/drive").await;
    let et = csrf_of(&html);
    let (st, _, _) =
        post(&s, &erik, &format!("/drive/{lars_drive}/share/revoke"), &[("csrf", &et), ("id", &id), ("path", file)])
            .await;
    assert_eq!(st, 404);
    let (_, html) = get(&s, &per, "/drive/shared").await;
    assert!(html.contains("Foreldremøte.md"), "still shared: {html}");

    // Lars ends it in the dialog: Per's access ends with it.
    let (st, to, _) =
        post(&s, &c, &format!("/drive/{lars_drive}/share/revoke"), &[("csrf", &token), ("id", &id), ("path", file)])
            .await;
    assert_eq!((st, to.as_str()), (303, format!("{dialog}&done=revoked").as_str()));
    let (_, html) = get(&s, &c, &to).await;
    assert!(html.contains("role=\"status\"") && html.contains("The share has ended."), "{html}");
    assert!(html.contains("This item is not shared, and it has no links."), "{html}");
    let (_, html) = get(&s, &per, "/drive/shared").await;
    assert!(!html.contains("Foreldremøte.md") && html.contains("Nothing has been shared with you."), "{html}");
    assert_eq!(bytes(&s, &per, &download).await.0, 404);

    // Shared again, then ended from "Shared by me".
    share(token.clone()).await;
    let (_, html) = get(&s, &c, "/drive/shared-by-me").await;
    let id = field(&html, "<tbody>", "id").to_string();
    let (st, to, _) = post(
        &s,
        &c,
        &format!("/drive/{lars_drive}/share/revoke"),
        &[("csrf", &token), ("id", &id), ("path", file), ("back", "mine")],
    )
    .await;
    assert_eq!((st, to.as_str()), (303, "/drive/shared-by-me?done=revoked"));
    let (_, html) = get(&s, &c, &to).await;
    assert!(html.contains("The share has ended.") && html.contains("You have not shared anything."), "{html}");
    let (_, html) = get(&s, &per, "/drive/shared").await;
    assert!(!html.contains("Foreldremøte.md"), "{html}");

    // Ending it twice: the page says it is not there (any more).
    let (st, _, html) = post(
        &s,
        &c,
        &format!("/drive/{lars_drive}/share/revoke"),
        &[("csrf", &token), ("id", &id), ("path", file), ("back", "mine")],
    )
    .await;
    assert_eq!(st, 404);
    assert!(html.contains("role=\"alert\"") && html.contains("Shared by me"), "{html}");
}

#[tokio::test]
async fn deleting_for_good_asks_first_and_emptying_the_trash_frees_the_space() {
    let s = start().await;
    let place = personal(&s, LARS).await;
    let drive = place.drive.id.clone();
    let w = ctx_of(&s, LARS, Action::ContentWrite);
    let big: Vec<u8> = (0..300_000u32).map(|i| (i % 253) as u8).collect();
    s.app.write(&w, &place, "/Stor.bin", &mut &big[..], WriteOpts::default()).await.unwrap();

    let c = browser(&s, "en");
    assert_eq!(sign_in(&s, &c, LARS).await.status(), 303);
    let (_, html) = get(&s, &c, &format!("/drive/{drive}")).await;
    let token = csrf_of(&html);
    for path in ["/Foreldremøte.md", "/Stor.bin", "/Undervisning"] {
        let (st, _, _) = post(&s, &c, &format!("/drive/{drive}/delete"), &[("csrf", &token), ("path", path)]).await;
        assert_eq!(st, 303, "{path}");
    }

    // One entry: the trash links to a confirmation page, which says what
    // goes and that it cannot be undone.
    let trash = format!("/drive/{drive}/trash");
    let (st, html) = get(&s, &c, &trash).await;
    assert_eq!(st, 200, "{html}");
    assert!(html.contains("Delete /Foreldremøte.md for good…"), "{html}");
    let i = html.find("Delete /Foreldremøte.md for good…").unwrap();
    let href = html[..i].rsplit("href=\"").next().unwrap().split('"').next().unwrap().replace("&amp;", "&");
    assert!(href.starts_with(&format!("/drive/{drive}/trash/confirm?id=")), "{href}");
    let (st, html) = get(&s, &c, &href).await;
    assert_eq!(st, 200, "{html}");
    assert!(html.contains("<h1>Delete Foreldremøte.md for good?</h1>"), "{html}");
    assert!(html.contains("This cannot be undone") && html.contains("One item, "), "{html}");
    assert!(html.contains("Cancel and go back to the trash"), "{html}");
    let id = field(&html, "/trash/purge", "id").to_string();
    let (st, to, _) = post(&s, &c, &format!("/drive/{drive}/trash/purge"), &[("csrf", &token), ("id", &id)]).await;
    assert_eq!((st, to.as_str()), (303, format!("{trash}?done=purged").as_str()));
    let (_, html) = get(&s, &c, &to).await;
    assert!(html.contains("role=\"status\"") && html.contains("Deleted for good."), "{html}");
    assert!(!html.contains("/Foreldremøte.md") && html.contains("/Stor.bin"), "{html}");
    let (st, _) = get(&s, &c, &href).await;
    assert_eq!(st, 404, "the entry is gone");

    // The whole trash: its confirmation page, then the space is free.
    let (used_before, _) = s.app.usage(&place).await.unwrap();
    let (st, html) = get(&s, &c, &format!("{trash}/confirm?all=1")).await;
    assert_eq!(st, 200, "{html}");
    assert!(html.contains("<h1>Empty the trash of My files?</h1>"), "{html}");
    assert!(html.contains("2 items, ") && html.contains("/Stor.bin") && html.contains("/Undervisning"), "{html}");
    let (st, to, _) = post(&s, &c, &format!("/drive/{drive}/trash/empty"), &[("csrf", &token)]).await;
    assert_eq!((st, to.as_str()), (303, format!("{trash}?done=emptied").as_str()));
    let (_, html) = get(&s, &c, &to).await;
    assert!(html.contains("The trash is emptied.") && html.contains("The trash is empty."), "{html}");
    let (used_after, _) = s.app.usage(&place).await.unwrap();
    assert!(used_after + big.len() as u64 <= used_before, "{used_before} → {used_after}");
    let (_, html) = get(&s, &c, &format!("{trash}/confirm?all=1")).await;
    assert!(html.contains("The trash is empty.") && !html.contains("/trash/empty"), "{html}");
}

#[tokio::test]
async fn a_legal_hold_keeps_the_trash_with_its_reason() {
    let s = start().await;
    let place = personal(&s, LARS).await;
    let drive = place.drive.id.clone();
    let c = browser(&s, "en");
    assert_eq!(sign_in(&s, &c, LARS).await.status(), 303);
    let (_, html) = get(&s, &c, &format!("/drive/{drive}")).await;
    let token = csrf_of(&html);
    let (st, _, _) =
        post(&s, &c, &format!("/drive/{drive}/delete"), &[("csrf", &token), ("path", "/Foreldremøte.md")]).await;
    assert_eq!(st, 303);

    // The administrator places a legal hold on Lars.
    let anna = ctx_of(&s, "anna.admin@nordvik.test", Action::LegalHoldManage);
    let hold = suveren_service::retention::HoldInput {
        scope: suveren_service::retention::HoldTarget::Principal(LARS.into()),
        reason: "Tilsynssak".into(),
        case_ref: "2026/77".into(),
    };
    s.app.create_hold(&anna, "nordvik", &hold).await.unwrap();

    let trash = format!("/drive/{drive}/trash");
    let (_, html) = get(&s, &c, &trash).await;
    let i = html.find("Delete /Foreldremøte.md for good…").unwrap();
    let href = html[..i].rsplit("href=\"").next().unwrap().split('"').next().unwrap().replace("&amp;", "&");
    let (_, html) = get(&s, &c, &href).await;
    let id = field(&html, "/trash/purge", "id").to_string();
    let (st, _, html) = post(&s, &c, &format!("/drive/{drive}/trash/purge"), &[("csrf", &token), ("id", &id)]).await;
    assert_eq!(st, 403, "{html}");
    assert!(html.contains("role=\"alert\""), "{html}");
    assert!(html.contains("Under legal hold (case 2026/77) since "), "{html}");
    assert!(html.contains("/Foreldremøte.md"), "still in the trash: {html}");

    // Emptying keeps it too, and says which and why.
    let (st, _, html) = post(&s, &c, &format!("/drive/{drive}/trash/empty"), &[("csrf", &token)]).await;
    assert_eq!(st, 409, "{html}");
    let alert = between(&html, "role=\"alert\"", "</div>");
    assert!(alert.contains("One item must be kept:"), "{alert}");
    assert!(alert.contains("/Foreldremøte.md: Under legal hold (case 2026/77) since "), "{alert}");
    let ctx = ctx_of(&s, LARS, Action::ContentList);
    assert_eq!(s.app.trash_list(&ctx, &place).await.unwrap().len(), 1);

    // In Swedish, the same reason in Swedish.
    let r = c.get(format!("{}/language?l=sv&back=/drive", s.base)).send().await.unwrap();
    assert_eq!(r.status(), 303);
    let (st, _, html) = post(&s, &c, &format!("/drive/{drive}/trash/purge"), &[("csrf", &token), ("id", &id)]).await;
    assert_eq!(st, 403);
    assert!(html.contains("Omfattas av ett bevarandebeslut (ärende 2026/77)"), "{html}");
}
