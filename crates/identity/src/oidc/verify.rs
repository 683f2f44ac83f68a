//! ID token checks beyond the signature: clock skew, token age, `azp`, `nbf`, and fetching
//! the provider's keys again after it rotates them.

use std::time::Instant;

use openidconnect::core::{CoreIdTokenVerifier, CoreJsonWebKeySet};

use super::{chain, unix_now, Keys, OidcClient, OidcError};
use super::{CLOCK_SKEW, ID_TOKEN_MAX_AGE, JWKS_REFRESH_INTERVAL};

impl OidcClient {
    /// Checks openidconnect leaves to the application: `azp` (OIDC Core 3.1.3.7 step 5) and
    /// `nbf`.
    pub(super) fn check_extra_claims(&self, raw: &serde_json::Value) -> Result<(), OidcError> {
        if let Some(azp) = raw.get("azp") {
            if azp.as_str() != Some(self.client_id.as_str()) {
                return Err(OidcError::InvalidIdToken("authorized party (azp) is another client".into()));
            }
        }
        if let Some(nbf) = raw.get("nbf").and_then(serde_json::Value::as_f64) {
            if nbf > (unix_now() + CLOCK_SKEW.as_secs()) as f64 {
                return Err(OidcError::InvalidIdToken("token not yet valid (nbf)".into()));
            }
        }
        Ok(())
    }

    pub(super) fn verifier(&self) -> CoreIdTokenVerifier<'static> {
        let keys = self.keys.read().unwrap_or_else(|e| e.into_inner()).set.clone();
        let verifier = match &self.client_secret {
            Some(secret) => CoreIdTokenVerifier::new_confidential_client(
                self.client_id.clone(),
                secret.clone(),
                self.issuer.clone(),
                keys,
            ),
            None => CoreIdTokenVerifier::new_public_client(self.client_id.clone(), self.issuer.clone(), keys),
        };
        let skew = chrono::TimeDelta::seconds(CLOCK_SKEW.as_secs() as i64);
        let max_age = chrono::TimeDelta::seconds(ID_TOKEN_MAX_AGE.as_secs() as i64);
        verifier
            .set_allowed_algs(self.allowed_algs.clone())
            // openidconnect rejects once now >= exp; shifting "now" back grants the skew.
            .set_time_fn(move || chrono::Utc::now() - skew)
            .set_issue_time_verifier_fn(move |iat| {
                let now = chrono::Utc::now();
                if iat > now + skew {
                    Err(format!("issued in the future ({iat})"))
                } else if iat < now - max_age - skew {
                    Err(format!("issued too long ago ({iat})"))
                } else {
                    Ok(())
                }
            })
    }

    pub(super) async fn refresh_keys(&self) -> Result<(), OidcError> {
        let recently = self
            .keys
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .refreshed
            .is_some_and(|at| at.elapsed() < JWKS_REFRESH_INTERVAL);
        if recently {
            return Ok(());
        }
        let set =
            CoreJsonWebKeySet::fetch_async(&self.jwks_uri, &self.http).await.map_err(|e| OidcError::Jwks(chain(&e)))?;
        *self.keys.write().unwrap_or_else(|e| e.into_inner()) = Keys { set, refreshed: Some(Instant::now()) };
        Ok(())
    }
}
