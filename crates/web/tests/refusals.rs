//! The policy engine's refusals in the reader's language: the gate's
//! message id and arguments rendered from `policy.ftl`, so a Swedish or
//! Norwegian reader never gets the English sentence, while the API keeps
//! its English `detail`.

mod common;

use common::{browser, csrf_of, sign_in, start, Server};
use reqwest::header::{HeaderMap, HeaderValue};
use suveren_policy::{arg_names, Denial, Rule, MESSAGES};
use suveren_web::i18n::message_ids;
use suveren_web::{Lang, Tr};

const FILE: &str = "/Saker/2026-117 Bekymringsmelding.txt";

async fn get(s: &Server, c: &reqwest::Client, path: &str) -> (u16, String) {
    let r = c.get(format!("{}{path}", s.base)).send().await.unwrap();
    (r.status().as_u16(), r.text().await.unwrap())
}

/// Posts the share dialog's link form for the Barnevern file.
async fn ask_for_a_link(s: &Server, c: &reqwest::Client) -> (u16, String) {
    let (st, html) = get(s, c, "/drive/d-barnevern/share?path=/Saker/2026-117%20Bekymringsmelding.txt").await;
    assert_eq!(st, 200, "{html}");
    let token = csrf_of(&html);
    let r = c
        .post(format!("{}/drive/d-barnevern/share", s.base))
        .form(&[
            ("csrf", token.as_str()),
            ("path", FILE),
            ("kind", "link"),
            ("mode", "view"),
            ("expires", ""),
            ("password", ""),
        ])
        .send()
        .await
        .unwrap();
    (r.status().as_u16(), r.text().await.unwrap())
}

const LINK_REFUSED: [(&str, &str); 3] = [
    ("nb", "Innhold merket «Strengt fortrolig» kan ikke deles med lenke."),
    ("sv", "Innehåll på nivån ”Strengt fortrolig” får inte delas via länk."),
    ("en", "Strengt fortrolig content cannot be shared by link."),
];

#[tokio::test]
async fn a_link_on_barnevern_is_refused_in_the_readers_language() {
    let s = start().await;

    // The language chosen with the selector (the /language route).
    let c = browser(&s, "en");
    let r = sign_in(&s, &c, "siri.saksbehandler@nordvik.test").await;
    assert_eq!(r.status(), 303);
    // Her session, for browsers that only send their language (a second
    // sign-in would reuse the TOTP code, which is refused as a replay).
    let session = r.headers()["set-cookie"].to_str().unwrap().split(';').next().unwrap().to_string();
    for (lang, sentence) in LINK_REFUSED {
        let r = c.get(format!("{}/language?l={lang}&back=/drive", s.base)).send().await.unwrap();
        assert_eq!(r.status(), 303);
        let (st, html) = ask_for_a_link(&s, &c).await;
        assert_eq!(st, 403, "{html}");
        assert!(html.contains(&format!("lang=\"{lang}\"")), "{html}");
        assert!(html.contains("role=\"alert\""), "{html}");
        assert!(html.contains(sentence), "{lang}: {html}");
        if lang != "en" {
            assert!(!html.contains("cannot be shared by link"), "{lang}: English leaked: {html}");
        }
    }

    // The browser's language alone (Accept-Language), no language cookie.
    for (lang, sentence) in LINK_REFUSED {
        let mut h = HeaderMap::new();
        h.insert("origin", HeaderValue::from_str(&s.base).unwrap());
        h.insert("accept-language", HeaderValue::from_str(&format!("{lang},en;q=0.5")).unwrap());
        h.insert("cookie", HeaderValue::from_str(&session).unwrap());
        let b = reqwest::Client::builder().default_headers(h).build().unwrap();
        let (st, html) = ask_for_a_link(&s, &b).await;
        assert_eq!(st, 403, "{html}");
        assert!(html.contains(sentence), "{lang}: {html}");
    }

    // Refused means nothing was made; the API still says it in English,
    // with the message id beside it.
    let r = c.get(format!("{}/api/v1/me/shares", s.base)).send().await.unwrap();
    assert_eq!(r.status(), 200);
    let shares = r.text().await.unwrap();
    assert!(!shares.contains("Bekymringsmelding"), "{shares}");
    let r = c
        .post(format!("{}/api/v1/drives/d-barnevern/shares", s.base))
        .header("content-type", "application/json")
        .body(serde_json::json!({"path": FILE, "link": "view"}).to_string())
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
    let p: serde_json::Value = serde_json::from_str(&r.text().await.unwrap()).unwrap();
    assert_eq!(p["detail"], "Strengt fortrolig content cannot be shared by link.");
    assert_eq!(p["code"], "deny-link-level");
}

#[tokio::test]
async fn a_pupil_is_refused_administration_in_swedish() {
    let s = start().await;
    let c = browser(&s, "sv-SE,sv;q=0.9");
    assert_eq!(sign_in(&s, &c, "per.elev@nordvik.test").await.status(), 303);
    let (st, html) = get(&s, &c, "/admin").await;
    assert_eq!(st, 403);
    assert!(html.contains("Inte tillåtet: Bara administratörerna i Nordvik kommune får göra detta."), "{html}");
    assert!(!html.contains("Only tenant administrators"), "{html}");
    assert!(!html.contains("lars.laerer@nordvik.test"));
    let (st, html) = get(&s, &c, "/audit").await;
    assert_eq!(st, 403);
    assert!(html.contains("Bara granskarna i Nordvik kommune får göra detta."), "{html}");
    let (st, html) = get(&s, &c, "/operator").await;
    assert_eq!(st, 403);
    assert!(html.contains("Bara installationens driftoperatörer får göra detta."), "{html}");
    // The same refusal in bokmål after choosing it.
    let r = c.get(format!("{}/language?l=nb&back=/home", s.base)).send().await.unwrap();
    assert_eq!(r.status(), 303);
    let (st, html) = get(&s, &c, "/admin").await;
    assert_eq!(st, 403);
    assert!(html.contains("Ikke tillatt: Bare administratorene i Nordvik kommune kan gjøre dette."), "{html}");
}

/// Every refusal the engine and the services can give has its message in
/// every language, using exactly the refusal's arguments; the English one
/// is the engine's own sentence.
#[test]
fn every_refusal_code_has_its_message_in_every_language() {
    let placeholder = |name: &str| format!("⟨{name}⟩");
    for lang in Lang::ALL {
        let ids = message_ids(lang);
        for &(code, sentence) in MESSAGES {
            assert!(ids.iter().any(|id| id == code), "{code} has no message in {}/policy.ftl", lang.code());
            let names = arg_names(sentence);
            let mut d = Denial::open(Rule::Role, code);
            for n in &names {
                d = d.with(n, placeholder(n));
            }
            let text = Tr::new(lang).denial(&d);
            assert!(!text.contains("{$") && !text.contains('{'), "{code} in {}: unknown argument: {text}", lang.code());
            for n in &names {
                assert!(text.contains(&placeholder(n)), "{code} in {} leaves out {n}: {text}", lang.code());
            }
            if lang == Lang::En {
                assert_eq!(text, d.message, "{code}: the English message differs from the engine's");
            } else {
                assert_ne!(text, d.message, "{code} is not translated to {}", lang.code());
            }
        }
        // And nothing in policy.ftl that the engine does not know.
        let extra: Vec<&String> =
            ids.iter().filter(|id| id.starts_with("deny-") && !MESSAGES.iter().any(|(c, _)| c == id)).collect();
        assert!(extra.is_empty(), "{}: messages for no refusal: {extra:?}", lang.code());
    }
}
