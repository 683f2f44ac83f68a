//! The one mapping from service errors to HTTP answers: RFC 9457
//! `application/problem+json`.
//!
//! "Not found" has exactly one body shape whatever the reason, so a
//! concealed denial cannot be told apart from a missing thing (rule 1).

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use suveren_service::ServiceError;

#[derive(Debug, Serialize)]
pub struct Problem {
    #[serde(rename = "type")]
    pub kind: &'static str,
    pub title: &'static str,
    pub status: u16,
    pub detail: String,
    /// The trust-model rule behind a refusal, e.g. `classification`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rule: Option<&'static str>,
    /// A refusal's message id (`deny-link-level`), for clients that show
    /// `detail` in another language.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub code: Option<&'static str>,
}

#[derive(Debug)]
pub struct ApiError {
    pub status: StatusCode,
    pub problem: Problem,
    pub retry_after: Option<u64>,
}

impl ApiError {
    pub fn new(status: StatusCode, kind: &'static str, title: &'static str, detail: impl Into<String>) -> Self {
        ApiError {
            status,
            problem: Problem { kind, title, status: status.as_u16(), detail: detail.into(), rule: None, code: None },
            retry_after: None,
        }
    }
    pub fn bad_request(detail: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "/problems/bad-request", "Bad request", detail)
    }
    pub fn not_found() -> Self {
        Self::new(StatusCode::NOT_FOUND, "/problems/not-found", "Not found", "There is nothing here.")
    }
    pub fn unauthenticated(detail: impl Into<String>) -> Self {
        Self::new(StatusCode::UNAUTHORIZED, "/problems/unauthenticated", "Sign-in required", detail)
    }
    pub fn internal() -> Self {
        Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "/problems/internal",
            "Internal error",
            "Something went wrong on our side. Quote the x-request-id of this answer to your administrator.",
        )
    }
}

impl From<ServiceError> for ApiError {
    fn from(e: ServiceError) -> Self {
        match e {
            ServiceError::NotFound => ApiError::not_found(),
            ServiceError::Denied(d) => {
                let mut a = ApiError::new(StatusCode::FORBIDDEN, "/problems/denied", "Not allowed", d.message);
                a.problem.rule = Some(d.rule.as_str());
                a.problem.code = Some(d.code);
                a
            }
            ServiceError::Unauthenticated(m) => ApiError::unauthenticated(m),
            ServiceError::MfaRequired => ApiError::new(
                StatusCode::UNAUTHORIZED,
                "/problems/mfa-required",
                "Second factor required",
                "Enter the code from your authenticator app (field `totp`) or a recovery code (field `recovery_code`).",
            ),
            ServiceError::Throttled(d) => {
                let mut a = ApiError::new(
                    StatusCode::TOO_MANY_REQUESTS,
                    "/problems/throttled",
                    "Too many attempts",
                    format!("Too many failed sign-ins; try again in {} seconds.", d.as_secs().max(1)),
                );
                a.retry_after = Some(d.as_secs().max(1));
                a
            }
            ServiceError::Invalid(m) => {
                ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "/problems/invalid", "Invalid input", m)
            }
            ServiceError::Conflict(m) => ApiError::new(StatusCode::CONFLICT, "/problems/conflict", "Conflict", m),
            ServiceError::Unavailable(m) => {
                ApiError::new(StatusCode::SERVICE_UNAVAILABLE, "/problems/unavailable", "Unavailable", m)
            }
            ServiceError::Drive(c) => {
                use suveren_store::drive::DriveConflict as C;
                let (status, kind, title) = match &c {
                    C::Quota { .. } => (StatusCode::INSUFFICIENT_STORAGE, "/problems/quota", "Drive full"),
                    C::TenantQuota { .. } => {
                        (StatusCode::INSUFFICIENT_STORAGE, "/problems/tenant-quota", "Organisation's storage full")
                    }
                    C::Precondition(_) => {
                        (StatusCode::PRECONDITION_FAILED, "/problems/precondition", "Changed since read")
                    }
                    _ => (StatusCode::CONFLICT, "/problems/conflict", "Conflict"),
                };
                ApiError::new(status, kind, title, c.to_string())
            }
            ServiceError::Store(e) => {
                tracing::error!(error = %e, "store error");
                ApiError::internal()
            }
            ServiceError::Internal(e) => {
                tracing::error!(error = %e, "internal error");
                ApiError::internal()
            }
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = serde_json::to_vec(&self.problem).unwrap_or_default();
        let mut res = (self.status, body).into_response();
        let h = res.headers_mut();
        h.insert(header::CONTENT_TYPE, HeaderValue::from_static("application/problem+json"));
        if let Some(s) = self.retry_after {
            h.insert(header::RETRY_AFTER, HeaderValue::from(s));
        }
        res
    }
}

pub type ApiResult<T> = Result<T, ApiError>;
