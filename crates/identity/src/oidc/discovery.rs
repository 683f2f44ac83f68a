//! Provider discovery: reading the issuer's metadata and keys, and refusing configurations
//! that would weaken the sign-in (plain http, foreign endpoints, no PKCE, HMAC-only tokens).

use std::sync::RwLock;

use openidconnect::core::{
    CoreClient, CoreClientAuthMethod, CoreJsonWebKeySet, CoreJwsSigningAlgorithm, CoreProviderMetadata,
};
use openidconnect::{AuthType, ClientId, ClientSecret, RedirectUrl};
use url::Url;

use super::http::{is_secure_or_loopback, PinnedClient};
use super::{chain, Keys, OidcClient, OidcError};

/// Only asymmetric signatures: with HMAC algorithms the client secret would be the key, which
/// anyone who learns it (config leak) could use to mint ID tokens.
fn asymmetric(alg: &CoreJwsSigningAlgorithm) -> bool {
    !matches!(
        alg,
        CoreJwsSigningAlgorithm::HmacSha256
            | CoreJwsSigningAlgorithm::HmacSha384
            | CoreJwsSigningAlgorithm::HmacSha512
            | CoreJwsSigningAlgorithm::None
    )
}

impl OidcClient {
    /// Reads the provider's discovery document and signing keys. `issuer` must be the issuer
    /// exactly as configured at the provider (a trailing slash is tolerated); every endpoint the
    /// server calls must share its origin.
    pub async fn discover(
        issuer: &str,
        client_id: &str,
        client_secret: Option<&str>,
        redirect_url: &str,
    ) -> Result<Self, OidcError> {
        let issuer_url = Url::parse(issuer).map_err(|e| OidcError::InvalidIssuer(e.to_string()))?;
        if issuer_url.query().is_some() || issuer_url.fragment().is_some() {
            return Err(OidcError::InvalidIssuer("an issuer has no query or fragment".into()));
        }
        if !is_secure_or_loopback(&issuer_url) {
            return Err(OidcError::InsecureUrl(format!("issuer {issuer}")));
        }
        let redirect = Url::parse(redirect_url).map_err(|e| OidcError::InvalidRedirect(e.to_string()))?;
        if !is_secure_or_loopback(&redirect) {
            return Err(OidcError::InsecureUrl(format!("redirect URL {redirect_url}")));
        }
        let http = PinnedClient::new(&issuer_url).map_err(|e| OidcError::Client(chain(&e)))?;

        // Fetched by hand rather than with `discover_async` so that the issuer comparison can
        // tolerate a trailing slash in our configuration; ID tokens are then checked against
        // the issuer exactly as the provider spells it.
        let discovery_url = format!("{}/.well-known/openid-configuration", issuer.trim_end_matches('/'));
        let request = openidconnect::http::Request::builder()
            .uri(&discovery_url)
            .header(openidconnect::http::header::ACCEPT, "application/json")
            .body(Vec::new())
            .map_err(|e| OidcError::Discovery(e.to_string()))?;
        let response =
            openidconnect::AsyncHttpClient::call(&http, request).await.map_err(|e| OidcError::Discovery(chain(&e)))?;
        if response.status() != openidconnect::http::StatusCode::OK {
            return Err(OidcError::Discovery(format!("{discovery_url} answered HTTP {}", response.status())));
        }
        let raw: serde_json::Value =
            serde_json::from_slice(response.body()).map_err(|e| OidcError::Discovery(format!("not JSON: {e}")))?;
        let metadata: CoreProviderMetadata = serde_json::from_value(raw.clone())
            .map_err(|e| OidcError::Discovery(format!("unexpected document: {e}")))?;

        let announced = metadata.issuer().as_str();
        if announced.trim_end_matches('/') != issuer.trim_end_matches('/') {
            return Err(OidcError::Discovery(format!("provider announces issuer {announced}, expected {issuer}")));
        }
        let token_url =
            metadata.token_endpoint().cloned().ok_or_else(|| OidcError::Unsupported("no token endpoint".into()))?;
        for endpoint in [token_url.url(), metadata.jwks_uri().url()] {
            if !http.allows(endpoint) {
                return Err(OidcError::ForeignEndpoint(endpoint.to_string()));
            }
        }
        let auth_url = metadata.authorization_endpoint().clone();
        if !is_secure_or_loopback(auth_url.url()) {
            return Err(OidcError::InsecureUrl(format!("authorization endpoint {}", auth_url.as_str())));
        }
        if let Some(methods) = raw.get("code_challenge_methods_supported").and_then(|m| m.as_array()) {
            if !methods.iter().any(|m| m.as_str() == Some("S256")) {
                return Err(OidcError::Unsupported("PKCE with S256 is not offered".into()));
            }
        }
        let allowed_algs: Vec<_> =
            metadata.id_token_signing_alg_values_supported().iter().filter(|a| asymmetric(a)).cloned().collect();
        if allowed_algs.is_empty() {
            return Err(OidcError::Unsupported("no asymmetric ID token signing algorithm".into()));
        }
        let auth_type = match metadata.token_endpoint_auth_methods_supported() {
            Some(m)
                if !m.contains(&CoreClientAuthMethod::ClientSecretBasic)
                    && m.contains(&CoreClientAuthMethod::ClientSecretPost) =>
            {
                AuthType::RequestBody
            }
            _ => AuthType::BasicAuth,
        };
        let supported_scopes =
            metadata.scopes_supported().map(|s| s.iter().map(|s| s.as_str().to_owned()).collect::<Vec<_>>());
        let base_scopes = ["email", "profile"]
            .into_iter()
            .filter(|s| supported_scopes.as_ref().is_none_or(|sup| sup.iter().any(|x| x == s)))
            .map(str::to_owned)
            .collect();

        let keys =
            CoreJsonWebKeySet::fetch_async(metadata.jwks_uri(), &http).await.map_err(|e| OidcError::Jwks(chain(&e)))?;

        let issuer_id = metadata.issuer().clone();
        let client_id = ClientId::new(client_id.to_owned());
        let client_secret = client_secret.map(|s| ClientSecret::new(s.to_owned()));
        let redirect =
            RedirectUrl::new(redirect_url.to_owned()).map_err(|e| OidcError::InvalidRedirect(e.to_string()))?;
        let mut client = CoreClient::new(client_id.clone(), issuer_id.clone(), keys.clone())
            .set_auth_uri(auth_url)
            .set_token_uri(token_url)
            .set_redirect_uri(redirect)
            .set_auth_type(auth_type);
        if let Some(secret) = &client_secret {
            client = client.set_client_secret(secret.clone());
        }
        Ok(Self {
            client,
            http,
            issuer: issuer_id,
            client_id,
            client_secret,
            jwks_uri: metadata.jwks_uri().clone(),
            keys: RwLock::new(Keys { set: keys, refreshed: None }),
            allowed_algs,
            base_scopes,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hmac_and_none_algorithms_are_not_accepted() {
        assert!(asymmetric(&CoreJwsSigningAlgorithm::RsaSsaPkcs1V15Sha256));
        assert!(asymmetric(&CoreJwsSigningAlgorithm::EcdsaP256Sha256));
        assert!(!asymmetric(&CoreJwsSigningAlgorithm::HmacSha256));
        assert!(!asymmetric(&CoreJwsSigningAlgorithm::None));
    }

    #[tokio::test]
    async fn discover_refuses_plain_http_off_loopback() {
        let err = OidcClient::discover("http://idp.nordvik.test", "c", None, "https://x/cb").await.err().unwrap();
        assert!(matches!(err, OidcError::InsecureUrl(_)), "{err}");
        let err = OidcClient::discover("https://idp.nordvik.test", "c", None, "http://x.test/cb").await.err().unwrap();
        assert!(matches!(err, OidcError::InsecureUrl(_)), "{err}");
        let err = OidcClient::discover("https://idp?x=1", "c", None, "https://x/cb").await.err().unwrap();
        assert!(matches!(err, OidcError::InvalidIssuer(_)), "{err}");
    }
}
