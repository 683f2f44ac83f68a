//! The admin area on the demo installation: tenant administration, the
//! operator console and the audit log, as a browser sees them. Refusals
//! come from the services with their reasons; nothing crosses tenants.

mod common;

use common::{browser, csrf_of, sign_in, start};

/// A multipart/form-data body, as a browser sends the import form.
fn multipart(fields: &[(&str, Option<&str>, &str)]) -> (String, Vec<u8>) {
    let boundary = "----suveren-test-boundary-7f3a";
    let mut body = Vec::new();
    for (name, filename, value) in fields {
        body.extend_from_slice(format!("--{boundary}\r\n").as_bytes());
        match filename {
            Some(f) => body.extend_from_slice(
                format!(
                    "Content-Disposition: form-data; name=\"{name}\"; filename=\"{f}\"\r\nContent-Type: text/csv\r\n\r\n"
                )
                .as_bytes(),
            ),
            None => body.extend_from_slice(format!("Content-Disposition: form-data; name=\"{name}\"\r\n\r\n").as_bytes()),
        }
        body.extend_from_slice(value.as_bytes());
        body.extend_from_slice(b"\r\n");
    }
    body.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
    (format!("multipart/form-data; boundary={boundary}"), body)
}

fn between<'a>(html: &'a str, start: &str, end: &str) -> &'a str {
    let i = html.find(start).unwrap_or_else(|| panic!("{start} in page"));
    let rest = &html[i..];
    &rest[..rest.find(end).unwrap_or(rest.len())]
}

#[tokio::test]
async fn tenant_admin_manages_her_own_tenant_only() {
    let s = start().await;
    let c = browser(&s, "en");
    assert_eq!(sign_in(&s, &c, "anna.admin@nordvik.test").await.status(), 303);
    let r = c.get(format!("{}/admin", s.base)).send().await.unwrap();
    assert_eq!(r.status(), 200);
    let html = r.text().await.unwrap();
    // Her tenant's people, never another tenant's.
    for login in ["lars.laerer@nordvik.test", "per.elev@nordvik.test", "siri.saksbehandler@nordvik.test"] {
        assert!(html.contains(login), "{login} listed");
    }
    assert!(!html.contains("sorvik.test") && !html.contains("Sørvik"), "nothing of sorvik on nordvik's admin page");
    // The classification scheme, each level with its meaning and rules.
    let scheme = between(&html, "id=\"classification\"", "</section>");
    for level in ["Åpen", "Intern", "Fortrolig", "Strengt fortrolig"] {
        assert!(scheme.contains(level), "{level}");
    }
    assert!(scheme.contains("taushetsbelagt") && scheme.contains("Linked municipalities only"), "{scheme}");
    // The pupils' barrier, in words.
    assert!(html.contains("Members of nordvik-school-pupils find only each other and nordvik-school."), "barrier");

    // A group created through the form is listed.
    let token = csrf_of(&html);
    let r = c
        .post(format!("{}/admin/groups", s.base))
        .form(&[("csrf", token.as_str()), ("name", "skolebibliotek")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    let to = r.headers()["location"].to_str().unwrap().to_string();
    let html = c.get(format!("{}{to}", s.base)).send().await.unwrap().text().await.unwrap();
    assert!(between(&html, "id=\"group-list\"", "</ul>").contains("skolebibliotek"), "the new group is listed");
    assert!(html.contains("role=\"status\"") && html.contains("The group was created."));
    // The same name again: refused inline with the service's reason.
    let r = c
        .post(format!("{}/admin/groups", s.base))
        .form(&[("csrf", token.as_str()), ("name", "skolebibliotek")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 422);
    let html = r.text().await.unwrap();
    assert!(html.contains("role=\"alert\"") && html.contains("already exists"), "{html}");

    // Who can see whom: the pupil finds his school, not the administration.
    let html = c.get(format!("{}/admin?as=per.elev@nordvik.test", s.base)).send().await.unwrap().text().await.unwrap();
    let visible = between(&html, "id=\"preview-visible\"", "</ul>");
    let hidden = between(&html, "id=\"preview-hidden\"", "</ul>");
    assert!(visible.contains("Lars Lærer"), "{visible}");
    assert!(hidden.contains("Anna Admin") && !visible.contains("Anna Admin"), "{hidden}");
    // Someone of another tenant is not a person here.
    let html = c.get(format!("{}/admin?as=sara.elev@sorvik.test", s.base)).send().await.unwrap().text().await.unwrap();
    assert!(html.contains("There is no such person in this tenant."));
    assert!(!html.contains("id=\"preview-visible\""));

    // A new segment and a block rule apply at once to the preview.
    let html =
        c.get(format!("{}/admin?as=lars.laerer@nordvik.test", s.base)).send().await.unwrap().text().await.unwrap();
    assert!(between(&html, "id=\"preview-visible\"", "</ul>").contains("Anna Admin"));
    let r = c
        .post(format!("{}/admin/segments", s.base))
        .form(&[("csrf", token.as_str()), ("name", "admin-staff"), ("org_unit", "Administrasjon")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    let r = c
        .post(format!("{}/admin/barriers", s.base))
        .form(&[("csrf", token.as_str()), ("rule", "block"), ("a", "admin-staff"), ("b", "nordvik-school")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    let html =
        c.get(format!("{}/admin?as=lars.laerer@nordvik.test", s.base)).send().await.unwrap().text().await.unwrap();
    assert!(html.contains("admin-staff and nordvik-school cannot find each other."));
    assert!(between(&html, "id=\"preview-hidden\"", "</ul>").contains("Anna Admin"), "the new barrier applies");
    // A block rule with a segment that does not exist: the service's reason.
    let r = c
        .post(format!("{}/admin/barriers", s.base))
        .form(&[("csrf", token.as_str()), ("rule", "block"), ("a", "admin-staff"), ("b", "nope")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 422);
    assert!(r.text().await.unwrap().contains("There is no segment `nope`."));

    // A legal hold placed and released.
    let r = c
        .post(format!("{}/admin/holds", s.base))
        .form(&[
            ("csrf", token.as_str()),
            ("scope", "principal"),
            ("target", "lars.laerer@nordvik.test"),
            ("case_ref", "2026/123"),
            ("reason", "Tilsynssak"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    let html = c.get(format!("{}/admin", s.base)).send().await.unwrap().text().await.unwrap();
    let holds = between(&html, "id=\"holds\"", "</section>");
    assert!(holds.contains("Everything of lars.laerer@nordvik.test") && holds.contains("case 2026/123"), "{holds}");
    let id = between(holds, "name=\"id\" value=\"", "\">")["name=\"id\" value=\"".len()..].to_string();
    let r = c
        .post(format!("{}/admin/holds/release", s.base))
        .form(&[("csrf", token.as_str()), ("id", id.as_str()), ("note", "Saken er avsluttet")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    let html = c.get(format!("{}/admin", s.base)).send().await.unwrap().text().await.unwrap();
    assert!(between(&html, "id=\"holds\"", "</section>").contains("released by anna.admin@nordvik.test"));

    // CSV dry run: the report with line numbers, and nothing written.
    let csv = "login,name,email,kind,org_unit,groups\n\
               nora.ny,Nora Ny,,employee,Skole/Nordvik skole,laerere\n\
               ole.feil,Ole Feil,,astronaut,,\n\
               lars.laerer@nordvik.test,Lars Lærer,,employee,Skole/Nordvik skole,\n";
    let (ct, body) =
        multipart(&[("csrf", None, token.as_str()), ("file", Some("people.csv"), csv), ("dry_run", None, "1")]);
    let r = c.post(format!("{}/admin/import", s.base)).header("content-type", ct).body(body).send().await.unwrap();
    assert_eq!(r.status(), 200);
    let html = r.text().await.unwrap();
    let report = between(&html, "id=\"import-report\"", "</div>");
    assert!(report.contains("Test run: what the import would do"), "{report}");
    assert!(report.contains("<dt>Rows</dt><dd>3</dd>") && report.contains("<dt>Errors</dt><dd>1</dd>"), "{report}");
    assert!(report.contains("<td>3</td><td>unknown kind `astronaut`"), "the error names its line: {report}");
    assert!(report.contains("Nothing was written."));
    assert!(s.app.snapshot().dir.principal_by_login("nora.ny@nordvik.test").is_none(), "a dry run writes nothing");
    let html = c.get(format!("{}/admin", s.base)).send().await.unwrap().text().await.unwrap();
    assert!(!html.contains("nora.ny"));
    // A real run of a correct file (pasted text) writes, and says so.
    let good = "login,name,email,kind,org_unit,groups\nnora.ny,Nora Ny,,employee,Skole/Nordvik skole,laerere\n";
    let (ct, body) = multipart(&[("csrf", None, token.as_str()), ("file", Some(""), ""), ("csv", None, good)]);
    let r = c.post(format!("{}/admin/import", s.base)).header("content-type", ct).body(body).send().await.unwrap();
    assert_eq!(r.status(), 200);
    let html = r.text().await.unwrap();
    assert!(html.contains("Import done") && html.contains("<dt>Created</dt><dd>1</dd>"), "{html}");
    assert!(s.app.snapshot().dir.principal_by_login("nora.ny@nordvik.test").is_some());
    // Without the token, an import is refused.
    let (ct, body) = multipart(&[("csrf", None, "nope"), ("csv", None, csv)]);
    let r = c.post(format!("{}/admin/import", s.base)).header("content-type", ct).body(body).send().await.unwrap();
    assert_eq!(r.status(), 403);

    // Lockbox settings: the service's reason next to the form.
    let r = c
        .post(format!("{}/admin/lockbox", s.base))
        .form(&[
            ("csrf", token.as_str()),
            ("approvers", "lars.laerer@nordvik.test"),
            ("required", "1"),
            ("max_minutes", "60"),
            ("pending_minutes", "120"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 422);
    let html = r.text().await.unwrap();
    let section = between(&html, "id=\"lockbox\"", "</section>");
    assert!(
        section.contains("role=\"alert\"") && section.contains("does not hold the lockbox approver role"),
        "{section}"
    );
    let r = c
        .post(format!("{}/admin/lockbox", s.base))
        .form(&[
            ("csrf", token.as_str()),
            ("approvers", "oda.godkjenner@nordvik.test"),
            ("required", "1"),
            ("max_minutes", "60"),
            ("pending_minutes", "120"),
            ("notify_users", "1"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    let html = c.get(format!("{}/admin", s.base)).send().await.unwrap().text().await.unwrap();
    assert!(between(&html, "id=\"lockbox\"", "</section>").contains("value=\"oda.godkjenner@nordvik.test\""));

    // Her audit log: records, and the chain verified.
    let r = c.get(format!("{}/audit", s.base)).send().await.unwrap();
    assert_eq!(r.status(), 200);
    let html = r.text().await.unwrap();
    assert!(html.contains("Chain verified:"), "{html}");
    assert!(html.contains("<td>1</td>"), "records from the first on");
    assert!(html.contains("href=\"/api/v1/tenants/nordvik/audit/export\""));
    // Filtered by action.
    let html = c.get(format!("{}/audit?action=group", s.base)).send().await.unwrap().text().await.unwrap();
    let table = between(&html, "<table class=\"audit\">", "</table>");
    assert!(table.contains("group:skolebibliotek") && !table.contains("auth.login"), "{table}");
    // Another tenant's log: the same answer as a tenant that does not exist.
    let r = c.get(format!("{}/audit?tenant=sorvik", s.base)).send().await.unwrap();
    assert_eq!(r.status(), 404);
    let probe = r.text().await.unwrap();
    let r = c.get(format!("{}/audit?tenant=no-such-tenant", s.base)).send().await.unwrap();
    assert_eq!(r.status(), 404);
    assert_eq!(probe, r.text().await.unwrap(), "sorvik reads exactly like a missing tenant");
    assert!(probe.contains("Not found.") && !probe.contains("Sørvik"));
}

#[tokio::test]
async fn people_without_the_role_are_refused_with_the_reason() {
    let s = start().await;
    let c = browser(&s, "en");
    assert_eq!(sign_in(&s, &c, "per.elev@nordvik.test").await.status(), 303);
    let r = c.get(format!("{}/admin", s.base)).send().await.unwrap();
    assert_eq!(r.status(), 403);
    let html = r.text().await.unwrap();
    assert!(html.contains("Only tenant administrators of Nordvik kommune may do this."), "{html}");
    assert!(!html.contains("lars.laerer@nordvik.test"));
    let r = c.get(format!("{}/audit", s.base)).send().await.unwrap();
    assert_eq!(r.status(), 403);
    assert!(r.text().await.unwrap().contains("auditors of Nordvik kommune may do this."));
    let r = c.get(format!("{}/operator", s.base)).send().await.unwrap();
    assert_eq!(r.status(), 403);
    assert!(r.text().await.unwrap().contains("operators may do this."));
    // A form posted anyway: refused by the gate, not a 500.
    let html = c.get(format!("{}/home", s.base)).send().await.unwrap().text().await.unwrap();
    let token = csrf_of(&html);
    let r = c
        .post(format!("{}/admin/groups", s.base))
        .form(&[("csrf", token.as_str()), ("name", "elevraad")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
    assert!(r.text().await.unwrap().contains("Only tenant administrators of Nordvik kommune may do this."));
    assert!(!s.app.snapshot().dir.groups.contains_key("nordvik:elevraad"));
}

#[tokio::test]
async fn operator_runs_tenants_but_does_not_administer_them() {
    let s = start().await;
    let c = browser(&s, "en");
    assert_eq!(sign_in(&s, &c, "operator").await.status(), 303);
    let r = c.get(format!("{}/operator", s.base)).send().await.unwrap();
    assert_eq!(r.status(), 200);
    let html = r.text().await.unwrap();
    assert!(html.contains("Nordvik kommune") && html.contains("Sørvik kommune"), "{html}");
    assert!(html.contains("Ready: the database answers."));
    assert!(html.contains("(employees)") && html.contains("active"), "the federation link");
    assert!(html.contains("href=\"/lockbox\""));
    // Suspend and resume Sørvik.
    let token = csrf_of(&html);
    let r = c
        .post(format!("{}/operator/suspend", s.base))
        .form(&[("csrf", token.as_str()), ("tenant", "sorvik"), ("suspend", "1")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    assert!(s.app.snapshot().dir.tenants["sorvik"].suspended);
    let html = c.get(format!("{}/operator?ok=suspended", s.base)).send().await.unwrap().text().await.unwrap();
    assert!(html.contains("The tenant is suspended") && html.contains("Resume Sørvik kommune"));
    let r = c
        .post(format!("{}/operator/suspend", s.base))
        .form(&[("csrf", token.as_str()), ("tenant", "sorvik"), ("suspend", "0")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    assert!(!s.app.snapshot().dir.tenants["sorvik"].suspended);
    // A quota.
    let r = c
        .post(format!("{}/operator/quota", s.base))
        .form(&[("csrf", token.as_str()), ("tenant", "nordvik"), ("quota_gb", "50")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    assert_eq!(s.app.snapshot().dir.tenants["nordvik"].quota_bytes, Some(50 << 30));
    // A tenant's own administration is not the operator's.
    let r = c.get(format!("{}/admin", s.base)).send().await.unwrap();
    assert_eq!(r.status(), 403);
    let html = r.text().await.unwrap();
    assert!(html.contains("Only tenant administrators"), "{html}");
    assert!(!html.contains("lars.laerer@nordvik.test"));
    // The operator realm's own audit log is theirs.
    let r = c.get(format!("{}/audit", s.base)).send().await.unwrap();
    assert_eq!(r.status(), 200);
    let html = r.text().await.unwrap();
    assert!(html.contains("Chain verified:") && html.contains("tenant:sorvik"), "{html}");
}
