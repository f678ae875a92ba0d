//! RFC 9457 problem details: the one error type every handler returns.

use axum::{
    Json,
    http::{HeaderValue, StatusCode, header},
    response::{IntoResponse, Response},
};
use serde::Serialize;

use crate::store::StoreError;

/// One field's problem, for 422 responses.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct FieldError {
    pub field: String,
    pub code: &'static str,
    pub message: String,
}

impl FieldError {
    pub fn new(field: impl Into<String>, code: &'static str, message: impl Into<String>) -> Self {
        Self { field: field.into(), code, message: message.into() }
    }
}

/// An error response: status, stable English `code`, Chinese `detail`, and optionally an
/// English `hint` for developers (e.g. the parser's own words about a malformed body).
#[derive(Debug, Clone)]
pub struct ApiError {
    pub status: StatusCode,
    pub code: &'static str,
    pub detail: String,
    pub errors: Vec<FieldError>,
    /// Seconds, for 429 and 423 answers.
    pub retry_after: Option<u64>,
    /// English, for developers; an extension member of the problem body, omitted when `None`.
    pub hint: Option<String>,
    /// Further extension members (RFC 9457 §3.2) a program may read, e.g. `suspendedUntil`.
    /// Boxed: most errors have none, and `ApiError` travels in every `Result`.
    pub extensions: Option<Box<serde_json::Map<String, serde_json::Value>>>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ProblemBody<'a> {
    #[serde(rename = "type")]
    kind: String,
    title: &'a str,
    status: u16,
    detail: &'a str,
    code: &'a str,
    #[serde(skip_serializing_if = "<[_]>::is_empty")]
    errors: &'a [FieldError],
    #[serde(skip_serializing_if = "Option::is_none")]
    hint: Option<&'a str>,
    #[serde(flatten, skip_serializing_if = "Option::is_none")]
    extensions: Option<&'a serde_json::Map<String, serde_json::Value>>,
}

impl ApiError {
    pub fn new(status: StatusCode, code: &'static str, detail: impl Into<String>) -> Self {
        Self {
            status,
            code,
            detail: detail.into(),
            errors: Vec::new(),
            retry_after: None,
            hint: None,
            extensions: None,
        }
    }

    pub fn bad_request(code: &'static str, detail: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, code, detail)
    }

    pub fn unauthorized(detail: impl Into<String>) -> Self {
        Self::new(StatusCode::UNAUTHORIZED, "unauthorized", detail)
    }

    pub fn forbidden(detail: impl Into<String>) -> Self {
        Self::new(StatusCode::FORBIDDEN, "forbidden", detail)
    }

    pub fn not_found(code: &'static str, detail: impl Into<String>) -> Self {
        Self::new(StatusCode::NOT_FOUND, code, detail)
    }

    pub fn conflict(code: &'static str, detail: impl Into<String>) -> Self {
        Self::new(StatusCode::CONFLICT, code, detail)
    }

    /// 422 with one entry per offending field.
    pub fn invalid(errors: Vec<FieldError>) -> Self {
        let detail = errors.iter().map(|e| e.message.as_str()).collect::<Vec<_>>().join("；");
        let code = if errors.len() == 1 { errors[0].code } else { "validation_failed" };
        Self { errors, ..Self::new(StatusCode::UNPROCESSABLE_ENTITY, code, detail) }
    }

    pub fn internal() -> Self {
        Self::new(StatusCode::INTERNAL_SERVER_ERROR, "internal_error", "服务暂时不可用，请稍后重试")
    }

    /// The same answer under a more specific code.
    pub fn with_code(mut self, code: &'static str) -> Self {
        self.code = code;
        self
    }

    pub fn with_retry_after(mut self, seconds: u64) -> Self {
        self.retry_after = Some(seconds);
        self
    }

    /// Adds an English hint for developers; `detail` stays Chinese.
    pub fn with_hint(mut self, hint: impl Into<String>) -> Self {
        self.hint = Some(hint.into());
        self
    }

    /// Adds an extension member (camelCase name, not one of the standard members).
    pub fn with_extension(mut self, name: &str, value: impl Serialize) -> Self {
        debug_assert!(!["type", "title", "status", "detail", "code", "errors", "hint"].contains(&name));
        let value = serde_json::to_value(value).expect("extension members serialise");
        self.extensions.get_or_insert_default().insert(name.to_owned(), value);
        self
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let title = self.status.canonical_reason().unwrap_or("Error");
        let body = ProblemBody {
            kind: format!("https://wangban.dev/problems/{}", self.code.replace('_', "-")),
            title,
            status: self.status.as_u16(),
            detail: &self.detail,
            code: self.code,
            errors: &self.errors,
            hint: self.hint.as_deref(),
            extensions: self.extensions.as_deref(),
        };
        let mut response = (self.status, Json(body)).into_response();
        let headers = response.headers_mut();
        headers.insert(header::CONTENT_TYPE, HeaderValue::from_static("application/problem+json"));
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
        if let Some(seconds) = self.retry_after {
            headers.insert(header::RETRY_AFTER, HeaderValue::from(seconds));
        }
        if self.status == StatusCode::UNAUTHORIZED {
            // RFC 6750 §3: a bad or expired token is `invalid_token`; otherwise just the scheme.
            let challenge = if matches!(self.code, "invalid_token" | "token_expired") {
                r#"Bearer error="invalid_token""#
            } else {
                "Bearer"
            };
            headers.insert(header::WWW_AUTHENTICATE, HeaderValue::from_static(challenge));
        }
        response
    }
}

impl From<StoreError> for ApiError {
    /// Store failures that reach a handler unhandled are server faults: logged, not shown.
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::BadCursor => {
                ApiError::bad_request("invalid_cursor", "分页游标无效，请从第一页重新查询")
            }
            StoreError::Conflict => {
                ApiError::conflict("concurrent_update", "数据正被其他操作修改，请稍后重试")
                    .with_retry_after(1)
            }
            other => {
                tracing::error!(error = %other, "store failure");
                ApiError::internal()
            }
        }
    }
}

pub type ApiResult<T> = Result<T, ApiError>;
