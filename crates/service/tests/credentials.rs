//! Credential life cycle through the services: TOTP enrolment with recovery
//! codes, sign-in with a recovery code (once), password change ending other
//! sessions, and app passwords remembering whether MFA was passed.

use std::sync::Arc;

use suveren_policy::{Action, Actor, Via};
use suveren_service::auth::LoginRequest;
use suveren_service::{App, Ctx, ServiceError, Settings};

async fn demo() -> (tempfile::TempDir, Arc<App>) {
    let dir = tempfile::tempdir().unwrap();
    let app = App::open_embedded(dir.path(), Settings::default()).await.unwrap();
    app.seed_demo().await.unwrap();
    (dir, app)
}

fn password_of(dir: &tempfile::TempDir, login: &str) -> String {
    let text = std::fs::read_to_string(dir.path().join("demo-credentials.tsv")).unwrap();
    text.lines().map(|l| l.split('\t').collect::<Vec<_>>()).find(|c| c[0] == login).unwrap()[1].to_string()
}

fn anon(action: Action) -> Ctx {
    Ctx {
        actor: Actor::anonymous(),
        action,
        client: Some("192.0.2.10".parse().unwrap()),
        request_id: "t".into(),
        session: None,
        note: None,
    }
}

async fn session_ctx(app: &App, token: &str, action: Action) -> Ctx {
    let (actor, digest) = app.session_actor(token).await.unwrap().expect("session is live");
    Ctx { actor, action, client: None, request_id: "t".into(), session: Some(digest), note: None }
}

fn login(login: &str, password: &str) -> LoginRequest {
    LoginRequest { login: login.into(), password: password.into(), totp: None, recovery_code: None }
}

fn now() -> u64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs()
}

#[tokio::test]
async fn totp_enrolment_recovery_codes_and_password_change() {
    let (dir, app) = demo().await;
    let pw = password_of(&dir, "lars.laerer@nordvik.test");
    let s = app.login(&anon(Action::SignIn), &login("lars.laerer@nordvik.test", &pw), None).await.unwrap();
    assert!(!s.mfa);

    // Enrol: a wrong code is refused, the right one rotates the session.
    let ctx = session_ctx(&app, &s.token, Action::TotpEnrol).await;
    let (secret, uri) = app.totp_enrol(&ctx).await.unwrap();
    assert!(uri.starts_with("otpauth://totp/"), "{uri}");
    let ctx = Ctx { action: Action::TotpConfirm, ..ctx };
    assert!(matches!(app.totp_confirm(&ctx, "000000").await, Err(ServiceError::Invalid(_))));
    let code = suveren_identity::totp::code_at(&secret, now()).unwrap();
    let (rotated, codes) = app.totp_confirm(&ctx, &code).await.unwrap();
    assert_eq!(codes.len(), 10);
    assert!(app.session_actor(&s.token).await.unwrap().is_none(), "the old session ended");
    assert!(app.session_actor(&rotated.token).await.unwrap().unwrap().0.mfa);

    // Now the password alone is not enough.
    let r = app.login(&anon(Action::SignIn), &login("lars.laerer@nordvik.test", &pw), None).await;
    assert!(matches!(r, Err(ServiceError::MfaRequired)));
    // A recovery code works once, typed loosely.
    let loose = codes[0].to_uppercase().replace('-', " ");
    let with_code = LoginRequest { recovery_code: Some(loose.clone()), ..login("lars.laerer@nordvik.test", &pw) };
    let s2 = app.login(&anon(Action::SignIn), &with_code, None).await.unwrap();
    assert!(s2.mfa);
    let again = app.login(&anon(Action::SignIn), &with_code, None).await;
    assert!(matches!(again, Err(ServiceError::Unauthenticated(_))), "a recovery code is used once");

    // Password change: the old password stops working, other sessions end.
    let ctx = session_ctx(&app, &s2.token, Action::PasswordChange).await;
    let weak = app.change_password(&ctx, &pw, "password1234").await;
    assert!(matches!(weak, Err(ServiceError::Invalid(_))), "common passwords are refused");
    let wrong = app.change_password(&ctx, "not-my-password", "a much better passphrase").await;
    assert!(matches!(wrong, Err(ServiceError::Unauthenticated(_))));
    let fresh = app.change_password(&ctx, &pw, "a much better passphrase").await.unwrap();
    assert!(app.session_actor(&rotated.token).await.unwrap().is_none(), "other sessions ended");
    assert!(app.session_actor(&fresh.token).await.unwrap().is_some());
    let code = suveren_identity::totp::code_at(&secret, now() + 30).unwrap();
    let old = LoginRequest { totp: Some(code.clone()), ..login("lars.laerer@nordvik.test", &pw) };
    assert!(app.login(&anon(Action::SignIn), &old, None).await.is_err());
    let new = LoginRequest { totp: Some(code), ..login("lars.laerer@nordvik.test", "a much better passphrase") };
    app.login(&anon(Action::SignIn), &new, None).await.unwrap();
}

#[tokio::test]
async fn app_passwords_carry_the_mfa_of_their_session_and_are_revocable() {
    let (dir, app) = demo().await;
    let pw = password_of(&dir, "lars.laerer@nordvik.test");
    let s = app.login(&anon(Action::SignIn), &login("lars.laerer@nordvik.test", &pw), None).await.unwrap();
    let ctx = session_ctx(&app, &s.token, Action::AppPasswordCreate).await;
    let (info, secret) = app.create_app_password(&ctx, "laptop").await.unwrap();
    assert!(!info.mfa);
    let actor = app.app_password_actor("lars.laerer@nordvik.test", &secret, None).await.unwrap().unwrap();
    assert_eq!(actor.via, Via::AppPassword);
    assert!(!actor.mfa, "made without a second factor, it never counts as one");
    // Typed without dashes it still works; someone else's login does not.
    let plain = secret.replace('-', "");
    assert!(app.app_password_actor("LARS.LAERER@nordvik.test", &plain, None).await.unwrap().is_some());
    assert!(app.app_password_actor("per.elev@nordvik.test", &secret, None).await.unwrap().is_none());
    // An app password cannot mint another one.
    let via_app = Ctx {
        actor,
        action: Action::AppPasswordCreate,
        client: None,
        request_id: "t".into(),
        session: None,
        note: None,
    };
    assert!(app.create_app_password(&via_app, "another").await.is_err());
    let list = app.list_app_passwords(&Ctx { action: Action::AppPasswordList, ..ctx.clone() }).await.unwrap();
    assert_eq!(list.len(), 1);
    assert!(list[0].last_used.is_some(), "last use is shown to the owner");
    app.revoke_app_password(&Ctx { action: Action::AppPasswordRevoke, ..ctx.clone() }, &info.id).await.unwrap();
    assert!(
        app.app_password_actor("lars.laerer@nordvik.test", &secret, None).await.unwrap().is_none(),
        "revoked at once"
    );
}
