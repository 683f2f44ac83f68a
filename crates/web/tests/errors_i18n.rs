//! The services' own errors (not policy refusals) in the reader's language:
//! a wrong password or authenticator code, throttling, a name that exists,
//! a folder moved into itself, too many app passwords, and the catalogue
//! of `suveren_service::messages` translated into every language. The
//! REST API keeps its English words.

mod common;

use std::time::Duration;

use common::{browser, csrf_of, sign_in, start, start_with, Server};
use suveren_service::messages::{self, MESSAGES};
use suveren_web::i18n::{message_ids, Lang, Tr};

const SIRI: &str = "siri.saksbehandler@nordvik.test";
const LARS: &str = "lars.laerer@nordvik.test";
const BARNEVERN: &str = "d-barnevern";

async fn get(s: &Server, c: &reqwest::Client, path: &str) -> (u16, String) {
    let r = c.get(format!("{}{path}", s.base)).send().await.unwrap();
    (r.status().as_u16(), r.text().await.unwrap())
}

async fn post(s: &Server, c: &reqwest::Client, path: &str, form: &[(&str, &str)]) -> (u16, String) {
    let r = c.post(format!("{}{path}", s.base)).form(form).send().await.unwrap();
    (r.status().as_u16(), r.text().await.unwrap())
}

/// The text of the page's alert (`role="alert"` up to its paragraph's end).
fn alert(html: &str) -> &str {
    let i = html.find("role=\"alert\"").unwrap_or_else(|| panic!("an alert in {html}"));
    html[i..].split("</p>").next().unwrap()
}

async fn sign_in_with(s: &Server, c: &reqwest::Client, login: &str, password: &str, totp: &str) -> (u16, String) {
    post(s, c, "/signin", &[("login", login), ("password", password), ("totp", totp), ("next", "/home")]).await
}

#[tokio::test]
async fn a_wrong_password_or_code_is_told_in_the_readers_language() {
    let s = start().await;
    let siri_pw = s.creds[SIRI].0.clone();
    let secret = s.creds[SIRI].1.clone().expect("Siri has an authenticator");
    let cases = [
        ("sv", "Inloggningen misslyckades: Fel användarnamn eller lösenord."),
        ("nb", "Innloggingen mislyktes: Feil brukernavn eller passord."),
        ("en", "Sign-in failed: Wrong login or password."),
    ];
    for (lang, want) in cases {
        let c = browser(&s, lang);
        let (st, html) = sign_in_with(&s, &c, LARS, "not-his-password", "").await;
        assert_eq!(st, 401, "{html}");
        assert!(alert(&html).contains(want), "{lang}: {}", alert(&html));
        assert!(html.contains(&format!("value=\"{LARS}\"")), "the login is kept for another try");
    }

    // The right password, a wrong authenticator code (one from two hours ago).
    let then = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs() - 7200;
    let old = suveren_identity::totp::code_at(&secret, then).unwrap();
    let c = browser(&s, "nb");
    let (st, html) = sign_in_with(&s, &c, SIRI, &siri_pw, &old).await;
    assert_eq!(st, 401, "{html}");
    assert!(
        alert(&html).contains("Feil kode fra autentiseringsappen, eller en kode som alt er brukt."),
        "{}",
        alert(&html)
    );
    // No code at all: asked for it, in Swedish.
    let c = browser(&s, "sv");
    let (st, html) = sign_in_with(&s, &c, SIRI, &siri_pw, "").await;
    assert_eq!(st, 401, "{html}");
    assert!(
        alert(&html)
            .contains("Det här kontot loggar in med tvåstegsinloggning: ange också koden från autentiseringsappen."),
        "{}",
        alert(&html)
    );
    assert_eq!(get(&s, &c, "/home").await.0, 303, "not signed in");

    // The API answers in English, as before.
    let r = reqwest::Client::new()
        .post(format!("{}/api/v1/auth/login", s.base))
        .header("accept-language", "nb")
        .json(&serde_json::json!({"login": LARS, "password": "not-his-password"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
    let p: serde_json::Value = r.json().await.unwrap();
    assert_eq!(p["detail"], "Wrong login or password.", "{p}");
}

#[tokio::test]
async fn throttled_sign_in_says_how_long_to_wait_with_the_number_as_the_language_writes_it() {
    let mut settings = suveren_service::Settings::default();
    settings.throttle.pair_lock = Duration::from_secs(2 * 3600);
    let s = start_with(settings).await;
    let c = browser(&s, "nb");
    for _ in 0..5 {
        let (st, html) = sign_in_with(&s, &c, LARS, "not-his-password", "").await;
        assert_eq!(st, 401);
        assert!(alert(&html).contains("Feil brukernavn eller passord."), "{}", alert(&html));
    }
    // Locked for two hours (less the seconds the test took): 7 1xx seconds.
    let (st, html) = sign_in_with(&s, &c, LARS, &s.creds[LARS].0, "").await;
    assert_eq!(st, 401);
    let text = alert(&html);
    assert!(text.contains("For mange mislykkede innlogginger. Prøv igjen om 7\u{a0}1"), "{text}");
    assert!(text.trim_end().ends_with("sekunder."), "{text}");
    let c = browser(&s, "en");
    let (_, html) = sign_in_with(&s, &c, LARS, &s.creds[LARS].0, "").await;
    assert!(alert(&html).contains("Too many failed sign-ins. Try again in 7,1"), "{}", alert(&html));
    // One second left reads as a word, not a number.
    let one = suveren_service::ServiceError::Throttled(Duration::from_millis(300));
    assert_eq!(Tr::new(Lang::Sv).error(&one).unwrap(), "För många misslyckade inloggningar. Försök igen om en sekund.");
}

#[tokio::test]
async fn drive_forms_explain_existing_names_bad_names_and_moves_into_itself_in_norwegian() {
    let s = start().await;
    let c = browser(&s, "nb");
    assert_eq!(sign_in(&s, &c, SIRI).await.status(), 303);
    let (st, html) = get(&s, &c, &format!("/drive/{BARNEVERN}")).await;
    assert_eq!(st, 200, "{html}");
    assert!(html.contains(">Saker</a>"), "{html}");
    let token = csrf_of(&html);
    let mkdir = format!("/drive/{BARNEVERN}/mkdir");

    // A folder named like one that is there.
    let (st, html) = post(&s, &c, &mkdir, &[("csrf", &token), ("path", "/"), ("name", "Saker")]).await;
    assert_eq!(st, 409, "{html}");
    assert!(alert(&html).contains("Det finnes allerede noe som heter Saker her."), "{}", alert(&html));
    // Names the drive cannot hold.
    let (st, html) = post(&s, &c, &mkdir, &[("csrf", &token), ("path", "/"), ("name", "..")]).await;
    assert_eq!(st, 422, "{html}");
    assert!(alert(&html).contains("«..» kan ikke brukes som navn."), "{}", alert(&html));
    let (st, html) = post(&s, &c, &mkdir, &[("csrf", &token), ("path", "/"), ("name", "Møter/2026")]).await;
    assert_eq!(st, 422, "{html}");
    assert!(alert(&html).contains("Et navn kan ikke inneholde / eller \\ eller kontrolltegn."), "{}", alert(&html));
    let long = "ø".repeat(200);
    let (st, html) = post(&s, &c, &mkdir, &[("csrf", &token), ("path", "/"), ("name", &long)]).await;
    assert_eq!(st, 422, "{html}");
    assert!(alert(&html).contains("Navnet er for langt: høyst 255 tegn"), "{}", alert(&html));

    // A folder moved into itself.
    let (st, html) =
        post(&s, &c, &format!("/drive/{BARNEVERN}/move"), &[("csrf", &token), ("path", "/Saker"), ("dest", "/Saker")])
            .await;
    assert_eq!(st, 409, "{html}");
    assert!(alert(&html).contains("En mappe kan ikke flyttes eller kopieres inn i seg selv."), "{}", alert(&html));
    // Nothing changed.
    let (_, html) = get(&s, &c, &format!("/drive/{BARNEVERN}")).await;
    assert!(html.contains(">Saker</a>") && !html.contains(">Møter"), "{html}");
    let (st, _) = get(&s, &c, &format!("/drive/{BARNEVERN}?path=/Saker")).await;
    assert_eq!(st, 200);

    // The drive's preconditions, each in the three languages.
    use suveren_store::drive::DriveConflict as C;
    let nb = Tr::new(Lang::Nb);
    assert_eq!(nb.conflict(&C::NoParent("/Saker/2025".into())), "Mappen /Saker/2025 finnes ikke (lenger).");
    assert_eq!(
        nb.conflict(&C::Precondition("/Saker/Notat.txt".into())),
        "Notat.txt er endret siden du åpnet den. Last siden på nytt og prøv igjen."
    );
    assert_eq!(Tr::new(Lang::Sv).conflict(&C::IntoItself), "En mapp kan inte flyttas eller kopieras in i sig själv.");
    assert_eq!(
        Tr::new(Lang::En).conflict(&C::Quota { needed: 2048, available: 512 }),
        "The drive is full: 2.0 KB more needed, 512 B free."
    );
}

#[tokio::test]
async fn the_fifty_first_app_password_is_refused_in_swedish() {
    let s = start().await;
    let c = browser(&s, "sv");
    assert_eq!(sign_in(&s, &c, LARS).await.status(), 303);
    let (_, html) = get(&s, &c, "/settings").await;
    let token = csrf_of(&html);
    for i in 0..50 {
        let (st, html) =
            post(&s, &c, "/settings/app-passwords", &[("csrf", &token), ("label", &format!("Enhet {i}"))]).await;
        assert_eq!(st, 200, "{html}");
    }
    let (st, html) = post(&s, &c, "/settings/app-passwords", &[("csrf", &token), ("label", "En till")]).await;
    assert_eq!(st, 409, "{html}");
    assert!(
        alert(&html).contains("Du har 50 applösenord, vilket är det högsta antalet. Återkalla ett först."),
        "{}",
        alert(&html)
    );
    assert!(!html.contains("<td>En till</td>"), "not created");
}

/// Decisions that raced another, and a locked tenant key: the service's
/// sentences as the pages show them.
#[test]
fn stale_decisions_and_locked_keys_read_in_every_language() {
    let cases = [
        (
            messages::LOCKBOX_STALE.to_string(),
            [
                "Forespørselen ble endret mens du vurderte den. Se på den igjen.",
                "Begäran ändrades medan du beslutade. Titta på den igen.",
                "The request changed while you decided. Look at it again.",
            ],
        ),
        (
            messages::HOLD_STALE.to_string(),
            [
                "Båndleggingen ble endret i mellomtiden. Se på den igjen.",
                "Bevarandebeslutet ändrades under tiden. Titta på det igen.",
                "The hold changed meanwhile. Look at it again.",
            ],
        ),
        (
            messages::fill(messages::KEY_LOCKED, &[("tenant", "Nordvik kommune")]),
            [
                "Nøkkelen til Nordvik kommune er låst: en administrator må låse den opp før innholdet kan leses.",
                "Nyckeln för Nordvik kommune är låst: en administratör måste låsa upp den innan innehållet kan läsas.",
                "Nordvik kommune's key is locked: a tenant administrator must unlock it before content can be read.",
            ],
        ),
        (
            messages::fill(messages::NAME_INVALID, &[("name", "")]),
            ["Navnet kan ikke være tomt.", "Namnet får inte vara tomt.", "A name cannot be empty."],
        ),
    ];
    for (english, want) in cases {
        for (lang, want) in Lang::ALL.into_iter().zip(want) {
            assert_eq!(Tr::new(lang).said(&english), want, "{english} in {}", lang.code());
        }
    }
    // Through the error type, as every page asks.
    let e = suveren_service::ServiceError::Conflict(messages::APP_PASSWORD_LIMIT.into());
    assert_eq!(
        Tr::new(Lang::Nb).error(&e).unwrap(),
        "Du har 50 apppassord, som er det meste du kan ha. Trekk tilbake ett først."
    );
    // Text that is not in the catalogue stays as the service wrote it.
    assert_eq!(Tr::new(Lang::Nb).said("something else"), "something else");
}

/// Every sentence of the services' catalogue has its message in every
/// language, using exactly its arguments, and translated.
#[test]
fn every_service_message_is_translated_with_its_arguments() {
    let placeholder = |name: &str| format!("⟨{name}⟩");
    for lang in Lang::ALL {
        let ids = message_ids(lang);
        for &(id, template) in MESSAGES {
            assert!(ids.iter().any(|m| m == id), "{id} has no message in {}", lang.code());
            let names = suveren_policy::arg_names(template);
            let args: Vec<(&str, String)> = names.iter().map(|n| (*n, placeholder(n))).collect();
            let refs: Vec<(&str, &str)> = args.iter().map(|(n, v)| (*n, v.as_str())).collect();
            let english = messages::fill(template, &refs);
            let text = Tr::new(lang).said(&english);
            assert!(!text.contains('{') && !text.contains(id), "{id} in {}: {text}", lang.code());
            for n in &names {
                assert!(text.contains(&placeholder(n)), "{id} in {} leaves out {n}: {text}", lang.code());
            }
            if lang != Lang::En {
                assert_ne!(text, Tr::new(Lang::En).said(&english), "{id} is not translated to {}", lang.code());
            }
        }
        let extra: Vec<&String> =
            ids.iter().filter(|m| m.starts_with("err-") && !MESSAGES.iter().any(|(id, _)| id == m)).collect();
        assert!(extra.is_empty(), "{}: messages for no service sentence: {extra:?}", lang.code());
    }
}
