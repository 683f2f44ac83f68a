//! The lockbox in the browser: an operator files a request by form, the
//! tenant's approver sees it in plain words and approves it with a review
//! note, the affected person sees the notice, and every refusal (one's
//! own request, a closed one, a missing note, a form without its token)
//! is shown with its reason.

mod common;

use common::{browser, csrf_of, sign_in, start, Server};

const SIRI: &str = "siri.saksbehandler@nordvik.test";

async fn get(s: &Server, c: &reqwest::Client, path: &str) -> String {
    let r = c.get(format!("{}{path}", s.base)).send().await.unwrap();
    assert_eq!(r.status(), 200, "{path}");
    r.text().await.unwrap()
}

async fn post(s: &Server, c: &reqwest::Client, path: &str, form: &[(&str, &str)]) -> reqwest::Response {
    c.post(format!("{}{path}", s.base)).form(form).send().await.unwrap()
}

/// The id of the first request the page offers `what` (approve, revoke…) on.
fn request_id(html: &str, what: &str) -> String {
    let tail = format!("/{what}\"");
    let end = html.find(&tail).unwrap_or_else(|| panic!("a {what} form in {html}"));
    let start = html[..end].rfind("/lockbox/").unwrap() + "/lockbox/".len();
    html[start..end].to_string()
}

#[tokio::test]
async fn an_approver_reviews_the_operators_request_and_the_person_is_told() {
    let s = start().await;
    let op = browser(&s, "en");
    assert_eq!(sign_in(&s, &op, "operator").await.status(), 303);
    let html = get(&s, &op, "/lockbox").await;
    assert!(html.contains("New request") && html.contains("<option value=\"nordvik\""), "{html}");
    assert!(html.contains("You have not filed any requests."));
    let token = csrf_of(&html);
    fn fields(csrf: &str) -> Vec<(&'static str, &str)> {
        vec![
            ("csrf", csrf),
            ("tenant", "nordvik"),
            ("scope_kind", "drive_of"),
            ("target", SIRI),
            ("act_list", "1"),
            ("act_read", "1"),
            ("reason", "Siri cannot open her notes; support case"),
            ("case_ref", "SAK-2026-0042"),
            ("minutes", "60"),
        ]
    }
    // Without the session's token: refused, nothing filed.
    let r = post(&s, &op, "/lockbox/request", &fields("")).await;
    assert_eq!(r.status(), 403);
    assert!(r.text().await.unwrap().contains("The form had expired"));
    assert!(get(&s, &op, "/lockbox").await.contains("You have not filed any requests."));
    // A request the service refuses: the form comes back with the reason
    // and what was typed.
    let token = token.as_str();
    let mut bad = fields(token);
    bad[3] = ("target", "nobody.at.all@nordvik.test");
    let r = post(&s, &op, "/lockbox/request", &bad).await;
    assert_eq!(r.status(), 422);
    let html = r.text().await.unwrap();
    assert!(html.contains("role=\"alert\""), "{html}");
    assert!(html.contains("nobody.at.all@nordvik.test is not a principal of Nordvik kommune."), "{html}");
    assert!(html.contains("value=\"SAK-2026-0042\""), "the form keeps what was typed");
    // Filed.
    let r = post(&s, &op, "/lockbox/request", &fields(token)).await;
    assert_eq!(r.status(), 303);
    assert_eq!(r.headers()["location"], "/lockbox?done=filed");
    let html = get(&s, &op, "/lockbox?done=filed").await;
    assert!(html.contains("Your request is sent to the approvers."), "{html}");
    assert!(html.contains(&format!("the personal files of {SIRI}")));
    assert!(html.contains("Waiting for review") && html.contains("0 of 1"));
    let id = request_id(&html, "revoke");
    // The requester approving their own request (the approve form's
    // endpoint): refused with the reason, shown on the page.
    let r = post(&s, &op, &format!("/lockbox/{id}/approve"), &[("csrf", token), ("note", "Looks fine to me")]).await;
    assert_eq!(r.status(), 403);
    let html = r.text().await.unwrap();
    assert!(html.contains("role=\"alert\""), "{html}");
    assert!(html.contains("You filed this request; another approver must decide it."), "{html}");
    assert!(html.contains("Waiting for review"), "still pending");

    // Oda, the approver, sees it in plain words.
    let oda = browser(&s, "en");
    assert_eq!(sign_in(&s, &oda, "oda.godkjenner@nordvik.test").await.status(), 303);
    let html = get(&s, &oda, "/lockbox").await;
    assert!(html.contains("Requests for your review"), "{html}");
    assert!(html.contains(&format!("the personal files of {SIRI}")));
    assert!(html.contains("Siri cannot open her notes; support case") && html.contains("SAK-2026-0042"));
    assert!(html.contains("<dd>operator</dd>") && html.contains("0 of 1"));
    assert_eq!(request_id(&html, "approve"), id);
    assert!(!html.contains("New request"), "approvers do not file");
    let token = csrf_of(&html);
    // Without the token: refused, still pending.
    let r = post(&s, &oda, &format!("/lockbox/{id}/approve"), &[("note", "ok")]).await;
    assert_eq!(r.status(), 403);
    // Without a note: the service's reason, inline.
    let r = post(&s, &oda, &format!("/lockbox/{id}/approve"), &[("csrf", &token), ("note", " ")]).await;
    assert_eq!(r.status(), 422);
    assert!(r.text().await.unwrap().contains("A review note is required"));
    // Approved with a note.
    let note = "Reason and case checked against SAK-2026-0042";
    let r =
        post(&s, &oda, &format!("/lockbox/{id}/approve"), &[("csrf", &token), ("note", note), ("withhold", "")]).await;
    assert_eq!(r.status(), 303);
    let html = get(&s, &oda, "/lockbox?done=approved").await;
    assert!(html.contains("Your approval is recorded."));
    assert!(html.contains("Approved: access is open now") && html.contains("1 of 1"), "{html}");
    assert!(html.contains(note) && html.contains("Access ends"));
    assert_eq!(request_id(&html, "revoke"), id);
    // Deciding it again: refused with the reason.
    let r = post(&s, &oda, &format!("/lockbox/{id}/deny"), &[("csrf", &token), ("note", "second thoughts")]).await;
    assert_eq!(r.status(), 409);
    assert!(r.text().await.unwrap().contains("This request is active and can no longer be decided."));
    // The operator sees it active.
    assert!(get(&s, &op, "/lockbox").await.contains("Approved: access is open now"));

    // Siri is told, in her language.
    let siri = browser(&s, "nb");
    assert_eq!(sign_in(&s, &siri, SIRI).await.status(), 303);
    let html = get(&s, &siri, "/lockbox").await;
    assert!(
        html.contains(&format!(
            "operator fikk lov til å se innholdslisten til og lese de personlige filene til {SIRI}"
        )),
        "{html}"
    );
    assert!(html.contains("SAK-2026-0042"));
    assert!(!html.contains("Forespørsler til din vurdering") && !html.contains("Ny forespørsel"));

    // Oda revokes it; the status says so.
    let r = post(&s, &oda, &format!("/lockbox/{id}/revoke"), &[("csrf", &token), ("note", "Case closed")]).await;
    assert_eq!(r.status(), 303);
    let html = get(&s, &oda, "/lockbox?done=revoked").await;
    assert!(html.contains("The access has ended.") && html.contains("Revoked"));
    assert!(html.contains("Ended by oda.godkjenner@nordvik.test: Case closed"), "{html}");
}

#[tokio::test]
async fn members_see_no_queue_no_form_and_nothing_of_other_tenants() {
    let s = start().await;
    // Sofie (sorvik's admin) files a request in her own tenant.
    let sofie = browser(&s, "sv");
    assert_eq!(sign_in(&s, &sofie, "sofie.admin@sorvik.test").await.status(), 303);
    let html = get(&s, &sofie, "/lockbox").await;
    assert!(html.contains("Ny begäran") && html.contains("Organisation: Sørvik kommune"), "{html}");
    assert!(!html.contains("<select"), "a tenant admin files only in their own tenant");
    let token = csrf_of(&html);
    let r = post(
        &s,
        &sofie,
        "/lockbox/request",
        &[
            ("csrf", &token),
            ("tenant", "sorvik"),
            ("scope_kind", "drive_of"),
            ("target", "erik.ansatt@sorvik.test"),
            ("act_list", "1"),
            ("reason", "Erik har slutat; överlämning"),
            ("case_ref", "SÖR-7"),
            ("minutes", "30"),
        ],
    )
    .await;
    assert_eq!(r.status(), 303);
    let html = get(&s, &sofie, "/lockbox").await;
    assert!(html.contains("de personliga filerna för erik.ansatt@sorvik.test"), "{html}");
    assert!(html.contains("Väntar på granskning"));
    // A Nordvik teacher sees none of it, and no form.
    let lars = browser(&s, "en");
    assert_eq!(sign_in(&s, &lars, "lars.laerer@nordvik.test").await.status(), 303);
    let html = get(&s, &lars, "/lockbox").await;
    assert!(!html.contains("erik.ansatt") && !html.contains("SÖR-7"), "{html}");
    assert!(!html.contains("New request") && !html.contains("Requests for your review"));
    assert!(html.contains("No one has been given access to your content."));
    // Filing anyway (a crafted form) is refused with the gate's reason.
    let token = csrf_of(&html);
    let r = post(
        &s,
        &lars,
        "/lockbox/request",
        &[
            ("csrf", &token),
            ("tenant", "nordvik"),
            ("scope_kind", "drive_of"),
            ("target", SIRI),
            ("act_read", "1"),
            ("reason", "curious"),
            ("case_ref", "x"),
            ("minutes", "5"),
        ],
    )
    .await;
    assert_eq!(r.status(), 403);
    assert!(r.text().await.unwrap().contains("Only operators and Nordvik kommune"));
}
