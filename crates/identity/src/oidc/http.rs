//! The HTTP client for talking to the identity provider, pinned to the issuer's origin.
//!
//! Discovery documents and token responses come from outside; if the client followed
//! redirects or any URL a document names, a compromised or misconfigured provider could make
//! the server fetch internal addresses (SSRF, ASVS 12.6.1). So: no redirects, only the
//! issuer's scheme/host/port, short timeouts and a cap on response size.

use std::future::Future;
use std::net::IpAddr;
use std::pin::Pin;
use std::time::Duration;

use openidconnect::{AsyncHttpClient, HttpRequest, HttpResponse};
use thiserror::Error;
use url::{Host, Origin, Url};

/// Discovery documents and key sets are a few KiB; anything near this is not an IdP answer.
const MAX_BODY_BYTES: usize = 1024 * 1024;
const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);
const REQUEST_TIMEOUT: Duration = Duration::from_secs(15);

#[derive(Debug, Error)]
pub enum HttpError {
    #[error("refusing to contact {0}: only the issuer's origin may be contacted")]
    ForeignOrigin(String),
    #[error("invalid request URL: {0}")]
    Url(String),
    #[error("response larger than {MAX_BODY_BYTES} bytes")]
    TooLarge,
    #[error("HTTP request failed: {0}")]
    Transport(#[from] reqwest::Error),
    #[error("invalid HTTP response: {0}")]
    Http(#[from] openidconnect::http::Error),
}

/// Plain `http` is tolerated only on loopback, where test providers run and nothing crosses a
/// network; everywhere else tokens and codes must travel over TLS (ASVS 9.1.1).
pub(crate) fn is_secure_or_loopback(url: &Url) -> bool {
    match url.scheme() {
        "https" => true,
        "http" => match url.host() {
            Some(Host::Ipv4(ip)) => IpAddr::V4(ip).is_loopback(),
            Some(Host::Ipv6(ip)) => IpAddr::V6(ip).is_loopback(),
            Some(Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
            None => false,
        },
        _ => false,
    }
}

/// An HTTP client that only reaches one origin.
#[derive(Clone)]
pub(crate) struct PinnedClient {
    inner: reqwest::Client,
    origin: Origin,
}

impl PinnedClient {
    pub(crate) fn new(origin_of: &Url) -> Result<Self, reqwest::Error> {
        let inner = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .connect_timeout(CONNECT_TIMEOUT)
            .timeout(REQUEST_TIMEOUT)
            .user_agent(concat!("suveren-identity/", env!("CARGO_PKG_VERSION")))
            .build()?;
        Ok(Self { inner, origin: origin_of.origin() })
    }

    pub(crate) fn allows(&self, url: &Url) -> bool {
        url.origin() == self.origin
    }

    async fn send(&self, request: HttpRequest) -> Result<HttpResponse, HttpError> {
        let url = Url::parse(&request.uri().to_string()).map_err(|e| HttpError::Url(e.to_string()))?;
        if !self.allows(&url) {
            return Err(HttpError::ForeignOrigin(url.origin().ascii_serialization()));
        }
        let request = reqwest::Request::try_from(request)?;
        let mut response = self.inner.execute(request).await?;
        if response.content_length().is_some_and(|len| len > MAX_BODY_BYTES as u64) {
            return Err(HttpError::TooLarge);
        }
        let mut builder =
            openidconnect::http::Response::builder().status(response.status()).version(response.version());
        for (name, value) in response.headers() {
            builder = builder.header(name, value);
        }
        let mut body = Vec::new();
        while let Some(chunk) = response.chunk().await? {
            if body.len() + chunk.len() > MAX_BODY_BYTES {
                return Err(HttpError::TooLarge);
            }
            body.extend_from_slice(&chunk);
        }
        Ok(builder.body(body)?)
    }
}

impl<'c> AsyncHttpClient<'c> for PinnedClient {
    type Error = HttpError;
    type Future = Pin<Box<dyn Future<Output = Result<HttpResponse, HttpError>> + Send + 'c>>;

    fn call(&'c self, request: HttpRequest) -> Self::Future {
        Box::pin(self.send(request))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn http_only_on_loopback() {
        let ok = [
            "https://idp.nordvik.no/realms/ansatte",
            "http://127.0.0.1:8080",
            "http://127.1.2.3/",
            "http://[::1]:9000/x",
            "http://localhost:3000",
        ];
        for u in ok {
            assert!(is_secure_or_loopback(&Url::parse(u).unwrap()), "{u}");
        }
        let bad = ["http://idp.nordvik.no", "http://10.0.0.1", "http://localhost.evil.test", "ftp://127.0.0.1"];
        for u in bad {
            assert!(!is_secure_or_loopback(&Url::parse(u).unwrap()), "{u}");
        }
    }

    #[tokio::test]
    async fn foreign_origins_are_refused_before_any_request() {
        let client = PinnedClient::new(&Url::parse("http://127.0.0.1:1/").unwrap()).unwrap();
        assert!(client.allows(&Url::parse("http://127.0.0.1:1/token").unwrap()));
        for foreign in
            ["http://127.0.0.1:2/token", "https://127.0.0.1:1/token", "http://169.254.169.254/latest/meta-data"]
        {
            let req = openidconnect::http::Request::builder().uri(foreign).body(Vec::new()).unwrap();
            let err = client.call(req).await.unwrap_err();
            assert!(matches!(err, HttpError::ForeignOrigin(_)), "{foreign}: {err}");
        }
    }
}
