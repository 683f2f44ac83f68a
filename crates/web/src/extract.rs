//! Extractors for pages: the same as axum's, but a malformed form, query,
//! path or upload is answered with a page that says what was wrong, in the
//! reader's language, instead of axum's plain-text rejection (found by the
//! `web_form` fuzz target).

use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::Response;
use serde::de::DeserializeOwned;

use crate::i18n::{Arg, Lang, Tr};

pub(crate) fn tr_of(headers: &HeaderMap) -> Tr {
    let cookie = headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|s| s.split(';'))
        .find_map(|kv| kv.trim().strip_prefix(crate::LANG_COOKIE).and_then(|r| r.strip_prefix('=')))
        .and_then(Lang::parse);
    let accept = headers.get(header::ACCEPT_LANGUAGE).and_then(|v| v.to_str().ok()).and_then(Lang::from_accept);
    Tr::new(cookie.or(accept).unwrap_or(Lang::Nb))
}

fn refuse(headers: &HeaderMap, status: StatusCode, reason: String) -> Response {
    let tr = tr_of(headers);
    let status = if status.is_client_error() { status } else { StatusCode::BAD_REQUEST };
    crate::pages::error_page(tr, status, tr.args("error-form", &[("reason", Arg::S(reason))]))
}

/// A URL-encoded form body.
pub struct Form<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for Form<T> {
    type Rejection = Response;

    async fn from_request(req: Request, state: &S) -> Result<Self, Response> {
        let headers = req.headers().clone();
        match axum::Form::<T>::from_request(req, state).await {
            Ok(axum::Form(v)) => Ok(Form(v)),
            Err(e) => Err(refuse(&headers, e.status(), e.body_text())),
        }
    }
}

/// A query string.
pub struct Query<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequestParts<S> for Query<T> {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Response> {
        match axum::extract::Query::<T>::from_request_parts(parts, state).await {
            Ok(axum::extract::Query(v)) => Ok(Query(v)),
            Err(e) => Err(refuse(&parts.headers, e.status(), e.body_text())),
        }
    }
}

/// Path parameters.
pub struct Path<T>(pub T);

impl<T: DeserializeOwned + Send, S: Send + Sync> FromRequestParts<S> for Path<T> {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Response> {
        match axum::extract::Path::<T>::from_request_parts(parts, state).await {
            Ok(axum::extract::Path(v)) => Ok(Path(v)),
            Err(e) => {
                let status = e.status();
                Err(refuse(&parts.headers, status, e.body_text()))
            }
        }
    }
}

/// A `multipart/form-data` upload, read field by field (never whole).
pub struct Multipart(pub axum::extract::Multipart);

impl std::ops::Deref for Multipart {
    type Target = axum::extract::Multipart;
    fn deref(&self) -> &Self::Target {
        &self.0
    }
}

impl std::ops::DerefMut for Multipart {
    fn deref_mut(&mut self) -> &mut Self::Target {
        &mut self.0
    }
}

impl<S: Send + Sync> FromRequest<S> for Multipart {
    type Rejection = Response;

    async fn from_request(req: Request, state: &S) -> Result<Self, Response> {
        let headers = req.headers().clone();
        match axum::extract::Multipart::from_request(req, state).await {
            Ok(m) => Ok(Multipart(m)),
            Err(e) => Err(refuse(&headers, e.status(), e.body_text())),
        }
    }
}
