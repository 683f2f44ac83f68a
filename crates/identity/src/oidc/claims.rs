//! The identity asserted by a verified ID token, and how it maps to a Suveren login.

use base64::{engine::general_purpose::URL_SAFE_NO_PAD, Engine};
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// Claims of an ID token whose signature, issuer, audience, expiry and nonce were checked.
/// `raw` keeps every claim so deployments can map provider-specific ones (e.g. `upn`, `groups`
/// under another name) without a code change.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Claims {
    pub issuer: String,
    pub subject: String,
    pub email: Option<String>,
    pub email_verified: Option<bool>,
    pub preferred_username: Option<String>,
    pub name: Option<String>,
    pub groups: Vec<String>,
    pub raw: Value,
}

impl Claims {
    /// Builds the typed view from the verified payload; `issuer` and `subject` come from the
    /// verifier, not from `raw`, so they are exactly what was checked.
    pub(crate) fn from_verified(issuer: String, subject: String, raw: Value) -> Self {
        let string = |k: &str| raw.get(k).and_then(Value::as_str).map(str::to_owned);
        let email_verified = match raw.get("email_verified") {
            Some(Value::Bool(b)) => Some(*b),
            // Some providers (older ADFS, Cognito) send the boolean as a string.
            Some(Value::String(s)) if s.eq_ignore_ascii_case("true") => Some(true),
            Some(Value::String(s)) if s.eq_ignore_ascii_case("false") => Some(false),
            _ => None,
        };
        let groups = match raw.get("groups") {
            Some(Value::Array(items)) => items.iter().filter_map(Value::as_str).map(str::to_owned).collect(),
            Some(Value::String(one)) => vec![one.clone()],
            _ => Vec::new(),
        };
        Self {
            email: string("email"),
            email_verified,
            preferred_username: string("preferred_username"),
            name: string("name"),
            groups,
            issuer,
            subject,
            raw,
        }
    }
}

/// The value of the configured claim for mapping this identity to a Suveren login.
///
/// `"email"` is refused when the provider says the address is unverified: anyone could
/// otherwise register someone else's address at a lax provider and take over their account.
/// `"sub"` is the only claim guaranteed stable and unique per issuer, and the safest choice.
/// Any other name is looked up among the raw claims and must be a non-empty string.
pub fn map_claim(claims: &Claims, claim: &str) -> Option<String> {
    let value = match claim {
        "sub" => Some(claims.subject.clone()),
        "email" => {
            if claims.email_verified == Some(false) {
                return None;
            }
            claims.email.clone()
        }
        "preferred_username" => claims.preferred_username.clone(),
        other => claims.raw.get(other).and_then(Value::as_str).map(str::to_owned),
    }?;
    let value = value.trim();
    (!value.is_empty()).then(|| value.to_owned())
}

/// Reads the payload of a compact JWS. Only call this on a token whose signature has already
/// been verified: it checks nothing itself.
pub(crate) fn jwt_payload(compact: &str) -> Option<Value> {
    let mut parts = compact.split('.');
    let (_header, payload, _sig) = (parts.next()?, parts.next()?, parts.next()?);
    if parts.next().is_some() {
        return None;
    }
    let bytes = URL_SAFE_NO_PAD.decode(payload.trim_end_matches('=')).ok()?;
    let value: Value = serde_json::from_slice(&bytes).ok()?;
    value.is_object().then_some(value)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn sample() -> Claims {
        Claims::from_verified(
            "https://idp.nordvik.test".into(),
            "248289761001".into(),
            json!({
                "iss": "https://idp.nordvik.test",
                "sub": "248289761001",
                "email": "lars.laerer@nordvik.test",
                "email_verified": true,
                "preferred_username": "lars.laerer",
                "name": "Lars Lærer",
                "groups": ["laerere", 7, "nordvik-skole"],
                "upn": "LARS@nordvik.test",
                "employee_no": 4711,
                "blank": "  "
            }),
        )
    }

    #[test]
    fn typed_fields_come_from_raw() {
        let c = sample();
        assert_eq!(c.email.as_deref(), Some("lars.laerer@nordvik.test"));
        assert_eq!(c.email_verified, Some(true));
        assert_eq!(c.preferred_username.as_deref(), Some("lars.laerer"));
        assert_eq!(c.name.as_deref(), Some("Lars Lærer"));
        assert_eq!(c.groups, vec!["laerere", "nordvik-skole"]);
        let single = Claims::from_verified("i".into(), "s".into(), json!({"groups": "one", "email_verified": "FALSE"}));
        assert_eq!(single.groups, vec!["one"]);
        assert_eq!(single.email_verified, Some(false));
    }

    #[test]
    fn map_claim_picks_configured_claim() {
        let c = sample();
        assert_eq!(map_claim(&c, "sub").as_deref(), Some("248289761001"));
        assert_eq!(map_claim(&c, "email").as_deref(), Some("lars.laerer@nordvik.test"));
        assert_eq!(map_claim(&c, "preferred_username").as_deref(), Some("lars.laerer"));
        assert_eq!(map_claim(&c, "upn").as_deref(), Some("LARS@nordvik.test"));
        assert_eq!(map_claim(&c, "employee_no"), None, "only string claims map");
        assert_eq!(map_claim(&c, "blank"), None);
        assert_eq!(map_claim(&c, "missing"), None);
    }

    #[test]
    fn unverified_email_does_not_map() {
        let mut c = sample();
        c.email_verified = Some(false);
        assert_eq!(map_claim(&c, "email"), None);
        c.email_verified = None;
        assert!(map_claim(&c, "email").is_some(), "absent flag: provider does not say");
    }

    #[test]
    fn payload_decoding() {
        let payload = URL_SAFE_NO_PAD.encode(br#"{"sub":"x"}"#);
        assert_eq!(jwt_payload(&format!("h.{payload}.s")), Some(json!({"sub": "x"})));
        assert_eq!(jwt_payload(&format!("h.{payload}")), None);
        assert_eq!(jwt_payload(&format!("h.{payload}.s.x")), None);
        assert_eq!(jwt_payload("h.!!.s"), None);
        let array = URL_SAFE_NO_PAD.encode(b"[1]");
        assert_eq!(jwt_payload(&format!("h.{array}.s")), None);
    }
}
