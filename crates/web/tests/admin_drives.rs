//! Team drives in the administration (`/admin/drives`) on the demo
//! installation: the tenant's drives with members, level, quota and use
//! and never a file name; a new drive and its quota; members, with the
//! four-eyes refusal shown where the form is; nobody else's drives, and
//! the refusal for people who are not administrators.

mod common;

use common::{browser, csrf_of, ctx_of, sign_in, start, Server};
use suveren_policy::Action;

fn between<'a>(html: &'a str, start: &str, end: &str) -> &'a str {
    let i = html.find(start).unwrap_or_else(|| panic!("{start} in page: {html}"));
    let rest = &html[i..];
    &rest[..rest.find(end).unwrap_or(rest.len())]
}

async fn get(s: &Server, c: &reqwest::Client, path: &str) -> (u16, String) {
    let r = c.get(format!("{}{path}", s.base)).send().await.unwrap();
    (r.status().as_u16(), r.text().await.unwrap())
}

async fn post(s: &Server, c: &reqwest::Client, path: &str, form: &[(&str, &str)]) -> (u16, String, String) {
    let r = c.post(format!("{}{path}", s.base)).form(form).send().await.unwrap();
    let to = r.headers().get("location").map(|v| v.to_str().unwrap().to_string()).unwrap_or_default();
    (r.status().as_u16(), to, r.text().await.unwrap())
}

/// The drive as the service has it now.
async fn drive_named(s: &Server, name: &str) -> std::sync::Arc<suveren_service::drive::Drive> {
    let anna = ctx_of(s, "anna.admin@nordvik.test", Action::DriveManage);
    let list = s.app.tenant_drives(&anna, "nordvik").await.unwrap();
    list.into_iter().map(|(d, _)| d).find(|d| d.name == name).unwrap_or_else(|| panic!("{name} exists"))
}

#[tokio::test]
async fn anna_creates_a_team_drive_sets_its_quota_and_members_and_meets_four_eyes() {
    let s = start().await;
    let c = browser(&s, "en");
    assert_eq!(sign_in(&s, &c, "anna.admin@nordvik.test").await.status(), 303);
    // Reached from the administration page.
    let (_, admin) = get(&s, &c, "/admin").await;
    assert!(admin.contains("href=\"/admin/drives\""), "linked from /admin");

    let (st, html) = get(&s, &c, "/admin/drives").await;
    assert_eq!(st, 200, "{html}");
    let table = between(&html, "id=\"drive-list\"", "</table>");
    assert!(table.contains("Barnevern") && table.contains("Strengt fortrolig"), "{table}");
    assert!(table.contains("Nordvik skole – lærere") && table.contains("Intern"), "{table}");
    assert!(table.contains("group Lærere Nordvik skole: owner"), "the owning group: {table}");
    assert!(table.contains("<th scope=\"col\">Quota</th>") && table.contains("<th scope=\"row\">"));
    // Administrators have no content rights: no file names anywhere.
    for f in ["Bekymringsmelding", "Undersøkelsesplan", "Årsplan", "Kriterier", "Saker", "Planer"] {
        assert!(!html.contains(f), "{f} is not shown to an administrator");
    }
    assert!(!html.contains("sorvik") && !html.contains("Sørvik"), "nothing of another tenant");

    // A new drive, owned by the teachers, Open, 5 GiB.
    let token = csrf_of(&html);
    let (st, to, body) = post(
        &s,
        &c,
        "/admin/drives",
        &[
            ("csrf", token.as_str()),
            ("name", "Skolebibliotek"),
            ("slug", ""),
            ("owner", "nordvik:Lærere Nordvik skole"),
            ("level", "0"),
            ("quota_gb", "5"),
        ],
    )
    .await;
    assert_eq!(st, 303, "{body}");
    let (_, html) = get(&s, &c, &to).await;
    assert!(html.contains("role=\"status\"") && html.contains("The team drive was created."), "{html}");
    let table = between(&html, "id=\"drive-list\"", "</table>");
    let row = between(table, "Skolebibliotek", "</tr>");
    assert!(row.contains("skolebibliotek") && row.contains("Åpen") && row.contains("5.0 GB"), "{row}");
    assert!(row.contains("group Lærere Nordvik skole: owner"), "{row}");
    let d = drive_named(&s, "Skolebibliotek").await;
    assert_eq!((d.level, d.quota, d.slug.as_str()), (0, Some(5 << 30), "skolebibliotek"));
    // The teachers have it now.
    let lars = ctx_of(&s, "lars.laerer@nordvik.test", Action::ContentList);
    let mine = s.app.my_drives(&lars).await.unwrap();
    assert!(mine.iter().any(|(x, r)| x.id == d.id && *r == suveren_policy::AccessRole::Owner));

    // Its quota changed.
    let (st, to, _) =
        post(&s, &c, "/admin/drives/quota", &[("csrf", token.as_str()), ("drive", d.id.as_str()), ("quota_gb", "2.5")])
            .await;
    assert_eq!(st, 303);
    let (_, html) = get(&s, &c, &to).await;
    assert!(html.contains("The quota was saved."));
    assert!(between(&html, "id=\"drive-list\"", "</table>").contains("2.5 GB"));
    assert_eq!(drive_named(&s, "Skolebibliotek").await.quota, Some(5 << 29));
    // A quota that is not a number: the reason, nothing changed.
    let (st, _, body) = post(
        &s,
        &c,
        "/admin/drives/quota",
        &[("csrf", token.as_str()), ("drive", d.id.as_str()), ("quota_gb", "lots")],
    )
    .await;
    assert_eq!(st, 422);
    assert!(body.contains("role=\"alert\"") && body.contains("The quota is a number of GiB"), "{body}");
    assert_eq!(drive_named(&s, "Skolebibliotek").await.quota, Some(5 << 29));
    // The same address name again: refused with the reason.
    let (st, _, body) = post(
        &s,
        &c,
        "/admin/drives",
        &[
            ("csrf", token.as_str()),
            ("name", "Skolebibliotek"),
            ("owner", "nordvik:Lærere Nordvik skole"),
            ("level", "0"),
        ],
    )
    .await;
    assert_eq!(st, 409, "{body}");
    assert!(body.contains("role=\"alert\"") && body.contains("already exists"), "{body}");
    assert!(body.contains("value=\"Skolebibliotek\""), "the form keeps what was typed");

    // A Fortrolig drive for Barnevern; anna cannot add herself (four eyes).
    let (st, _, body) = post(
        &s,
        &c,
        "/admin/drives",
        &[
            ("csrf", token.as_str()),
            ("name", "Økonomi barnevern"),
            ("owner", "nordvik:Barnevern"),
            ("level", "2"),
            ("quota_gb", ""),
        ],
    )
    .await;
    assert_eq!(st, 303, "{body}");
    let fortrolig = drive_named(&s, "Økonomi barnevern").await;
    assert_eq!((fortrolig.level, fortrolig.slug.as_str()), (2, "okonomi-barnevern"));
    let add = |login: &'static str, role: &'static str| {
        let id = fortrolig.id.clone();
        let token = token.clone();
        let s = &s;
        let c = &c;
        async move {
            post(
                s,
                c,
                "/admin/drives/members",
                &[("csrf", &token), ("drive", &id), ("op", "add"), ("group", ""), ("login", login), ("role", role)],
            )
            .await
        }
    };
    let (st, _, body) = add("anna.admin@nordvik.test", "editor").await;
    assert_eq!(st, 403, "{body}");
    let section = between(&body, &format!("id=\"drive-{}\"", fortrolig.id), "</section>");
    assert!(
        section.contains("role=\"alert\"")
            && section.contains("You cannot give yourself access to Confidential or Restricted content"),
        "the refusal is shown at the drive's form: {section}"
    );
    assert_eq!(drive_named(&s, "Økonomi barnevern").await.members, fortrolig.members, "nothing changed");
    // Another person is added, then removed.
    let (st, to, _) = add("siri.saksbehandler@nordvik.test", "viewer").await;
    assert_eq!(st, 303);
    let (_, html) = get(&s, &c, &to).await;
    assert!(html.contains("The members were saved."));
    let section = between(&html, &format!("id=\"drive-{}\"", fortrolig.id), "</section>");
    assert!(section.contains("Siri Saksbehandler (siri.saksbehandler@nordvik.test): can view"), "{section}");
    let siri = s.app.snapshot().dir.principal_by_login("siri.saksbehandler@nordvik.test").unwrap().id.clone();
    let key = format!("p:{siri}");
    let (st, _, _) = post(
        &s,
        &c,
        "/admin/drives/members",
        &[("csrf", token.as_str()), ("drive", fortrolig.id.as_str()), ("op", "remove"), ("member", key.as_str())],
    )
    .await;
    assert_eq!(st, 303);
    assert_eq!(drive_named(&s, "Økonomi barnevern").await.members, fortrolig.members);
    // A login of another tenant is no one here.
    let (st, _, body) = add("erik.ansatt@sorvik.test", "viewer").await;
    assert_eq!(st, 422);
    assert!(body.contains("There is no erik.ansatt@sorvik.test in this organisation."), "{body}");
}

#[tokio::test]
async fn a_teacher_is_refused_and_another_tenants_admin_sees_none_of_these_drives() {
    let s = start().await;
    let lars = browser(&s, "en");
    assert_eq!(sign_in(&s, &lars, "lars.laerer@nordvik.test").await.status(), 303);
    let (st, html) = get(&s, &lars, "/admin/drives").await;
    assert_eq!(st, 403, "{html}");
    assert!(html.contains("role=\"alert\"") && html.contains("Only tenant administrators of"), "{html}");
    assert!(!html.contains("Barnevern"));
    // Posting the form anyway (with his own session's token) changes nothing.
    let (_, home) = get(&s, &lars, "/drive").await;
    let token = csrf_of(&home);
    let (st, _, _) = post(
        &s,
        &lars,
        "/admin/drives",
        &[("csrf", token.as_str()), ("name", "Mitt"), ("owner", "nordvik:Lærere Nordvik skole"), ("level", "0")],
    )
    .await;
    assert_eq!(st, 403);
    let (st, _, _) = post(
        &s,
        &lars,
        "/admin/drives/quota",
        &[("csrf", token.as_str()), ("drive", "d-barnevern"), ("quota_gb", "1")],
    )
    .await;
    assert_eq!(st, 403);
    let anna = ctx_of(&s, "anna.admin@nordvik.test", Action::DriveManage);
    let drives = s.app.tenant_drives(&anna, "nordvik").await.unwrap();
    assert_eq!(drives.len(), 2, "nothing was created");
    assert!(drives.iter().all(|(d, _)| d.quota == s.app.settings.team_quota), "no quota changed");

    // Sørvik's administrator: no drive of Nordvik, and Barnevern's quota
    // is not hers to change.
    let sofie = browser(&s, "en");
    assert_eq!(sign_in(&s, &sofie, "sofie.admin@sorvik.test").await.status(), 303);
    let (st, html) = get(&s, &sofie, "/admin/drives").await;
    assert_eq!(st, 200, "{html}");
    assert!(!html.contains("Barnevern") && !html.contains("lærere"), "{html}");
    assert!(html.contains("There are no team drives yet."));
    let token = csrf_of(&html);
    let (st, _, _) = post(
        &s,
        &sofie,
        "/admin/drives/quota",
        &[("csrf", token.as_str()), ("drive", "d-barnevern"), ("quota_gb", "1")],
    )
    .await;
    assert_eq!(st, 404);
    let barnevern = s.app.tenant_drives(&anna, "nordvik").await.unwrap();
    assert!(barnevern.iter().all(|(d, _)| d.quota == s.app.settings.team_quota));
}
