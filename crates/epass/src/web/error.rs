//! The web error: every failure becomes an RFC 9457 `application/problem+json` answer with a
//! stable type, mapped to its status in one `match`. Internal errors are logged, never shown.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;

use crate::actions::ActionError;
use crate::i18n::{Lang, Localized};

/// A failed request.
#[derive(Debug)]
pub struct ApiError(pub ActionError);

impl From<ActionError> for ApiError {
    fn from(e: ActionError) -> Self {
        ApiError(e)
    }
}

impl From<crate::store::StoreError> for ApiError {
    fn from(e: crate::store::StoreError) -> Self {
        ApiError(e.into())
    }
}

/// The problem document (RFC 9457) with our extension members.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Problem {
    /// `urn:epass:problem:<code>`; stable, one per kind of error.
    #[serde(rename = "type")]
    pub kind: String,
    pub title: String,
    pub status: u16,
    /// The explanation in Chinese (the default language).
    pub detail: String,
    /// The same explanation in English.
    pub detail_en: String,
    /// The stable machine code, e.g. `id_number.checksum`.
    pub code: String,
    /// The input field at fault, for validation errors.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
    /// Every wrong field of a form at once: `key`, `code`, `zh`, `en`.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<crate::domain::pass_type::FieldError>,
}

impl ApiError {
    fn status(&self) -> StatusCode {
        match &self.0 {
            ActionError::Unauthenticated | ActionError::BadCredentials => StatusCode::UNAUTHORIZED,
            ActionError::Forbidden | ActionError::Refused { .. } => StatusCode::FORBIDDEN,
            ActionError::NotFound => StatusCode::NOT_FOUND,
            ActionError::Invalid { .. }
            | ActionError::InvalidForm(_)
            | ActionError::Ineligible(_) => StatusCode::UNPROCESSABLE_ENTITY,
            ActionError::Conflict(_) => StatusCode::CONFLICT,
            ActionError::Throttled { .. } => StatusCode::TOO_MANY_REQUESTS,
            ActionError::Locked { .. } => StatusCode::LOCKED,
            ActionError::TooLarge { .. } => StatusCode::PAYLOAD_TOO_LARGE,
            ActionError::UnsupportedContent { .. } => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            ActionError::Store(_) | ActionError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let status = self.status();
        if status.is_server_error() {
            tracing::error!(error = %self.0, "internal error");
        }
        let field = match &self.0 {
            ActionError::Invalid { field, .. } => Some((*field).to_owned()),
            _ => None,
        };
        let errors = match &self.0 {
            ActionError::InvalidForm(errors) | ActionError::Ineligible(errors) => errors.clone(),
            _ => Vec::new(),
        };
        let code = self.0.code();
        let problem = Problem {
            kind: format!("urn:epass:problem:{code}"),
            title: status.canonical_reason().unwrap_or("Error").to_owned(),
            status: status.as_u16(),
            detail: self.0.message(Lang::Zh),
            detail_en: self.0.message(Lang::En),
            code: code.to_owned(),
            field,
            errors,
        };
        let mut response = (status, axum::Json(problem)).into_response();
        response.headers_mut().insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/problem+json"),
        );
        if let ActionError::Throttled { retry_after_secs } = &self.0
            && let Ok(v) = HeaderValue::from_str(&retry_after_secs.to_string())
        {
            response.headers_mut().insert(header::RETRY_AFTER, v);
        }
        response
    }
}

pub type ApiResult<T> = Result<T, ApiError>;
