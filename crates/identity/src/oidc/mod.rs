//! OpenID Connect sign-in against a municipality's identity provider (authorization code flow
//! with PKCE, state and nonce; ASVS V3.5 and the OAuth 2.0 Security BCP).
//!
//! The server calls [`OidcClient::begin`], stores the returned [`PendingLogin`] server-side
//! keyed by its `state`, redirects the browser, and on the callback looks the pending login up
//! by the returned `state` and calls [`OidcClient::finish`]. Everything that a browser or the
//! network can tamper with is checked in `finish`; the provider is only ever contacted at its
//! own origin.

mod claims;
mod discovery;
mod http;
mod verify;

use std::sync::RwLock;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use openidconnect::core::{
    CoreAuthenticationFlow, CoreClient, CoreIdToken, CoreJsonWebKeySet, CoreJwsSigningAlgorithm,
};
use openidconnect::{
    AccessTokenHash, AuthorizationCode, ClaimsVerificationError, ClientId, ClientSecret, CsrfToken, EndpointNotSet,
    EndpointSet, IssuerUrl, JsonWebKeySetUrl, Nonce, OAuth2TokenResponse, PkceCodeChallenge, PkceCodeVerifier,
    RequestTokenError, Scope, SignatureVerificationError, TokenResponse,
};
use serde::{Deserialize, Serialize};
use subtle::ConstantTimeEq;
use thiserror::Error;
use url::Url;

pub use claims::{map_claim, Claims};
pub use http::HttpError;

use http::PinnedClient;

/// Tolerated difference between our clock and the provider's, for `exp`, `iat` and `nbf`.
pub const CLOCK_SKEW: Duration = Duration::from_secs(60);
/// How long a user may take at the provider before the pending login is void.
pub const PENDING_MAX_AGE: Duration = Duration::from_secs(10 * 60);
/// ID tokens are minted at the code exchange we just made; an old `iat` means replay.
const ID_TOKEN_MAX_AGE: Duration = Duration::from_secs(5 * 60);
/// An unknown `kid` triggers a key refetch at most this often, so a misbehaving provider
/// cannot make every sign-in cost an extra request.
const JWKS_REFRESH_INTERVAL: Duration = Duration::from_secs(10);
/// Authorization codes are short; anything longer is garbage and is not sent on.
const MAX_CODE_LEN: usize = 2048;

#[derive(Debug, Error)]
pub enum OidcError {
    #[error("invalid issuer URL: {0}")]
    InvalidIssuer(String),
    #[error("invalid redirect URL: {0}")]
    InvalidRedirect(String),
    #[error("{0} must use https (plain http is allowed only on loopback addresses)")]
    InsecureUrl(String),
    #[error("discovery failed: {0}")]
    Discovery(String),
    #[error("provider endpoint {0} is not on the issuer's origin, refusing to contact it")]
    ForeignEndpoint(String),
    #[error("provider unsupported: {0}")]
    Unsupported(String),
    #[error("could not fetch the provider's signing keys: {0}")]
    Jwks(String),
    #[error("could not build the HTTP client: {0}")]
    Client(String),
    #[error("the returned state does not match the pending sign-in")]
    StateMismatch,
    #[error("the sign-in took too long; please start again")]
    Expired,
    #[error("the provider refused the authorization code: {0}")]
    TokenRejected(String),
    #[error("token request failed: {0}")]
    TokenRequest(String),
    #[error("the provider returned no ID token")]
    MissingIdToken,
    #[error("the ID token's nonce does not match the pending sign-in")]
    NonceMismatch,
    #[error("invalid ID token: {0}")]
    InvalidIdToken(String),
}

/// What must survive between redirecting the browser and its return. Store it server-side
/// (keyed by `state`), never in a cookie or URL: the PKCE verifier and nonce are the proof that
/// the callback belongs to the browser that started the sign-in. Use it once, then delete it.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PendingLogin {
    pub state: String,
    pub nonce: String,
    pub pkce_verifier: String,
    pub created_unix: u64,
}

impl std::fmt::Debug for PendingLogin {
    /// Redacts the secrets so pending logins can be logged safely.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PendingLogin")
            .field("state", &"<redacted>")
            .field("nonce", &"<redacted>")
            .field("pkce_verifier", &"<redacted>")
            .field("created_unix", &self.created_unix)
            .finish()
    }
}

type ConfiguredClient =
    CoreClient<EndpointSet, EndpointNotSet, EndpointNotSet, EndpointNotSet, EndpointSet, EndpointNotSet>;

struct Keys {
    set: CoreJsonWebKeySet,
    /// Last refetch triggered by an unknown key; the fetch at discovery does not count, so a
    /// rotation right after start-up is picked up at once.
    refreshed: Option<Instant>,
}

/// A relying party for one provider and one client registration, created once at start-up
/// and shared by all requests.
pub struct OidcClient {
    client: ConfiguredClient,
    http: PinnedClient,
    issuer: IssuerUrl,
    client_id: ClientId,
    client_secret: Option<ClientSecret>,
    jwks_uri: JsonWebKeySetUrl,
    keys: RwLock<Keys>,
    allowed_algs: Vec<CoreJwsSigningAlgorithm>,
    base_scopes: Vec<String>,
}

fn unix_now() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or(0)
}

/// Error text with its causes, since openidconnect's top-level messages are generic.
fn chain(err: &dyn std::error::Error) -> String {
    let mut out = err.to_string();
    let mut source = err.source();
    while let Some(s) = source {
        out.push_str(": ");
        out.push_str(&s.to_string());
        source = s.source();
    }
    out
}

impl OidcClient {
    /// The issuer as the provider spells it (the value of `iss` in its ID tokens).
    pub fn issuer(&self) -> &str {
        self.issuer.as_str()
    }

    /// Starts a sign-in: the URL to send the browser to, and what to keep until it returns.
    /// `openid email profile` are always requested (the latter two when the provider lists
    /// them); `extra_scopes` adds e.g. `groups`.
    pub fn begin(&self, extra_scopes: &[String]) -> (Url, PendingLogin) {
        let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
        let mut request = self.client.authorize_url(
            CoreAuthenticationFlow::AuthorizationCode,
            CsrfToken::new_random,
            Nonce::new_random,
        );
        for scope in scope_list(&self.base_scopes, extra_scopes) {
            request = request.add_scope(Scope::new(scope));
        }
        let (url, state, nonce) = request.set_pkce_challenge(challenge).url();
        let pending = PendingLogin {
            state: state.secret().clone(),
            nonce: nonce.secret().clone(),
            pkce_verifier: verifier.secret().clone(),
            created_unix: unix_now(),
        };
        (url, pending)
    }

    /// Completes a sign-in from the callback's `code` and `state`, returning the verified
    /// identity. The caller must delete the pending login whatever the outcome, so that a
    /// callback cannot be replayed.
    pub async fn finish(&self, pending: &PendingLogin, code: &str, returned_state: &str) -> Result<Claims, OidcError> {
        // Login CSRF / injection: the callback must come back with the state we issued.
        let state_ok: bool = pending.state.as_bytes().ct_eq(returned_state.as_bytes()).into();
        if !state_ok || pending.state.is_empty() {
            return Err(OidcError::StateMismatch);
        }
        if !fresh(pending.created_unix, unix_now()) {
            return Err(OidcError::Expired);
        }
        if code.is_empty() || code.len() > MAX_CODE_LEN {
            return Err(OidcError::TokenRejected("malformed authorization code".into()));
        }

        let response = self
            .client
            .exchange_code(AuthorizationCode::new(code.to_owned()))
            .set_pkce_verifier(PkceCodeVerifier::new(pending.pkce_verifier.clone()))
            .request_async(&self.http)
            .await
            .map_err(|e| match e {
                RequestTokenError::ServerResponse(r) => {
                    let mut msg = r.error().to_string();
                    if let Some(d) = r.error_description() {
                        msg.push_str(": ");
                        msg.push_str(d);
                    }
                    OidcError::TokenRejected(msg)
                }
                other => OidcError::TokenRequest(chain(&other)),
            })?;
        let id_token = response.id_token().ok_or(OidcError::MissingIdToken)?;
        let nonce = Nonce::new(pending.nonce.clone());

        let verified = match id_token.claims(&self.verifier(), &nonce) {
            Err(ClaimsVerificationError::SignatureVerification(SignatureVerificationError::NoMatchingKey)) => {
                // The provider rotated its keys since we fetched them.
                self.refresh_keys().await?;
                id_token.claims(&self.verifier(), &nonce)
            }
            other => other,
        }
        .map_err(|e| match e {
            ClaimsVerificationError::InvalidNonce(_) => OidcError::NonceMismatch,
            other => OidcError::InvalidIdToken(chain(&other)),
        })?;

        // Bind the access token to the ID token when the provider says how (OIDC Core 3.1.3.8).
        if let Some(expected) = verified.access_token_hash() {
            let verifier = self.verifier();
            let actual = id_token
                .signing_alg()
                .and_then(|alg| Ok((alg, id_token.signing_key(&verifier)?)))
                .map_err(|e| OidcError::InvalidIdToken(chain(&e)))
                .and_then(|(alg, key)| {
                    AccessTokenHash::from_token(response.access_token(), alg, key)
                        .map_err(|e| OidcError::InvalidIdToken(chain(&e)))
                })?;
            if actual != *expected {
                return Err(OidcError::InvalidIdToken("at_hash does not match".into()));
            }
        }

        let raw = claims::jwt_payload(&id_token.to_string())
            .ok_or_else(|| OidcError::InvalidIdToken("unreadable payload".into()))?;
        self.check_extra_claims(&raw)?;
        Ok(Claims::from_verified(verified.issuer().as_str().to_owned(), verified.subject().as_str().to_owned(), raw))
    }
}

/// Whether a pending login started at `created` is still usable at `now`.
fn fresh(created: u64, now: u64) -> bool {
    created <= now + CLOCK_SKEW.as_secs() && now <= created.saturating_add(PENDING_MAX_AGE.as_secs())
}

/// Scopes to request besides `openid` (which openidconnect always sends), without duplicates
/// or values that would corrupt the space-separated list.
fn scope_list(base: &[String], extra: &[String]) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for s in base.iter().chain(extra) {
        let s = s.trim();
        let valid =
            !s.is_empty() && s != "openid" && s.bytes().all(|b| b.is_ascii_graphic() && b != b'"' && b != b'\\');
        if valid && !out.iter().any(|x| x == s) {
            out.push(s.to_owned());
        }
    }
    out
}

// Compile-time check that the client can be shared across request handlers.
const _: fn() = || {
    fn shared<T: Send + Sync>() {}
    shared::<OidcClient>();
    shared::<CoreIdToken>();
};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scopes_are_deduplicated_and_sanitized() {
        let base = vec!["email".to_owned(), "profile".to_owned()];
        let extra =
            vec!["groups".to_owned(), "email".to_owned(), "openid".to_owned(), "bad scope".to_owned(), " ".to_owned()];
        assert_eq!(scope_list(&base, &extra), vec!["email", "profile", "groups"]);
    }

    #[test]
    fn pending_logins_expire() {
        let now = 1_700_000_000;
        assert!(fresh(now, now));
        assert!(fresh(now - 599, now));
        assert!(!fresh(now - 601, now));
        assert!(fresh(now + 30, now), "small clock differences between servers");
        assert!(!fresh(now + 3600, now));
    }

    #[test]
    fn pending_login_round_trips_and_hides_secrets() {
        let p = PendingLogin {
            state: "s3cr3t-state".into(),
            nonce: "s3cr3t-nonce".into(),
            pkce_verifier: "s3cr3t-verifier".into(),
            created_unix: 42,
        };
        let json = serde_json::to_string(&p).unwrap();
        assert_eq!(serde_json::from_str::<PendingLogin>(&json).unwrap(), p);
        let debug = format!("{p:?}");
        assert!(!debug.contains("s3cr3t"), "{debug}");
        assert!(debug.contains("42"));
    }
}
