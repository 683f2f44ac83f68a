//! Sign-in, sign-out and the language selector.

use crate::extract::Form;
use crate::extract::Query;
use askama::Template;
use axum::extract::State;
use axum::http::{header, HeaderValue};
use axum::response::Response;
use serde::Deserialize;
use suveren_api::AppState;
use suveren_service::auth::LoginRequest;

use super::{redirect, render, safe_next, Chrome};
use crate::i18n::{Arg, Lang};
use crate::Page;

#[derive(Template)]
#[template(path = "signin.html")]
struct SignIn {
    c: Chrome,
    /// `(start URL, button text)` per organisation with its own identity
    /// provider, as the operator configured them.
    oidc: Vec<(String, String)>,
    error: Option<String>,
    expired: bool,
    next: String,
    login: String,
}

#[derive(Deserialize)]
pub struct FrontQuery {
    #[serde(default)]
    expired: Option<String>,
    #[serde(default)]
    next: Option<String>,
}

/// `GET /`: the sign-in page, or home when signed in.
pub async fn front(State(s): State<AppState>, page: Page, Query(q): Query<FrontQuery>) -> Response {
    if page.signed_in() {
        return redirect(safe_next(q.next.as_deref().unwrap_or("/home")));
    }
    let c = Chrome::bare(page.tr, page.tr.get("signin-title"));
    render(&SignIn {
        c,
        oidc: oidc_buttons(&s, &page),
        error: None,
        expired: q.expired.is_some(),
        next: safe_next(q.next.as_deref().unwrap_or("/home")).to_string(),
        login: String::new(),
    })
}

/// "Sign in with your municipality": one button per configured provider.
fn oidc_buttons(s: &AppState, page: &Page) -> Vec<(String, String)> {
    let snap = s.app.snapshot();
    s.app
        .settings
        .oidc
        .iter()
        .filter_map(|o| {
            let t = snap.dir.tenants.get(&o.tenant).filter(|t| !t.suspended)?;
            Some((
                format!("/api/v1/auth/oidc/{}/start", super::url_encode(&o.tenant)),
                page.tr.args("signin-oidc-org", &[("org", Arg::S(t.name.clone()))]),
            ))
        })
        .collect()
}

#[derive(Deserialize)]
pub struct SignInForm {
    login: String,
    password: String,
    #[serde(default)]
    totp: String,
    #[serde(default)]
    next: String,
}

/// The session cookie, as the API sets it.
pub(crate) fn session_cookie(state: &AppState, value: &str, max_age: i64) -> HeaderValue {
    let (name, secure) = if state.cookie_secure {
        (suveren_api::extract::COOKIE_SECURE, "; Secure")
    } else {
        (suveren_api::extract::COOKIE, "")
    };
    HeaderValue::from_str(&format!("{name}={value}; Path=/; HttpOnly; SameSite=Lax; Max-Age={max_age}{secure}"))
        .unwrap_or(HeaderValue::from_static(""))
}

/// `POST /signin`: the same sign-in as the API (throttling, second factor,
/// audit), answered with the session cookie and a redirect.
pub async fn sign_in(State(s): State<AppState>, page: Page, Form(f): Form<SignInForm>) -> Response {
    let next = safe_next(&f.next).to_string();
    let totp = Some(f.totp.trim().to_string()).filter(|t| !t.is_empty());
    let req = LoginRequest { login: f.login.clone(), password: f.password, totp, recovery_code: None };
    match s.app.login(&page.ctx, &req, page.ctx.session.as_deref()).await {
        Ok(ns) => {
            let mut r = redirect(&next);
            let max_age = s.app.settings.session_absolute.as_secs() as i64;
            r.headers_mut().insert(header::SET_COOKIE, session_cookie(&s, &ns.token, max_age));
            r
        }
        Err(e) => {
            // In the reader's language: a wrong password or code, a second
            // factor to give, throttling, a suspended tenant's refusal.
            let reason = page.tr.error(&e).unwrap_or_else(|| {
                tracing::error!(error = %e, "sign-in");
                page.tr.get("error-title")
            });
            let c = Chrome::bare(page.tr, page.tr.get("signin-title"));
            let mut r = render(&SignIn {
                c,
                oidc: oidc_buttons(&s, &page),
                error: Some(page.tr.args("signin-failed", &[("reason", Arg::S(reason))])),
                expired: false,
                next,
                login: f.login,
            });
            *r.status_mut() = axum::http::StatusCode::UNAUTHORIZED;
            r
        }
    }
}

#[derive(Deserialize)]
pub struct CsrfForm {
    #[serde(default)]
    csrf: String,
}

/// `POST /signout`.
pub async fn sign_out(State(s): State<AppState>, page: Page, Form(f): Form<CsrfForm>) -> Response {
    if let Some(r) = crate::check_csrf(&page, &f.csrf) {
        return r;
    }
    if let Err(e) = s.app.logout(&page.ctx).await {
        return super::service_error(page.tr, e);
    }
    let mut r = redirect("/");
    r.headers_mut().insert(header::SET_COOKIE, session_cookie(&s, "", 0));
    r
}

#[derive(Deserialize)]
pub struct LangQuery {
    l: String,
    #[serde(default)]
    back: String,
}

/// `GET /language?l=sv&back=/drive`: remembers the choice for a year. A
/// GET on purpose: it changes nothing but the display and works without
/// JavaScript from a plain link.
pub async fn set_language(_page: Page, Query(q): Query<LangQuery>) -> Response {
    let lang = Lang::parse(&q.l).unwrap_or(Lang::Nb);
    let mut r = redirect(safe_next(&q.back));
    let v = format!("{}={}; Path=/; SameSite=Lax; Max-Age=31536000", crate::LANG_COOKIE, lang.code());
    if let Ok(v) = HeaderValue::from_str(&v) {
        r.headers_mut().insert(header::SET_COOKIE, v);
    }
    r
}
