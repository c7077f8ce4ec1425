//! One error type for every handler, rendered as an HTML page or, for the API, as JSON.

use askama::Template;
use askama_web::WebTemplate;
use axum::Json;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

use std::sync::Arc;

use axum::body::Body;
use axum::extract::Request;
use axum::middleware::Next;

use crate::brand::Brand;
use crate::rules::FieldError;
use crate::views::Chrome;

/// Everything a handler can fail with. Internal detail is logged, never sent to the client.
#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error("not found")]
    NotFound,
    /// An assessment its owner deleted: its addresses answer `410 Gone`.
    #[error("gone")]
    Gone,
    #[error("invalid answers")]
    Validation(Vec<FieldError>),
    #[error("bad request: {0}")]
    BadRequest(String),
    #[error("forbidden")]
    Forbidden,
    #[error("unsupported media type: {0}")]
    UnsupportedMediaType(String),
    #[error("method not allowed")]
    MethodNotAllowed,
    #[error("not implemented: {0}")]
    NotImplemented(String),
    #[error("request body too large")]
    PayloadTooLarge,
    #[error("too many submissions; retry after {retry_after_secs} s")]
    TooManyRequests { retry_after_secs: u64 },
    #[error("overloaded; retry after {retry_after_secs} s")]
    Overloaded { retry_after_secs: u64 },
    /// The database cannot take writes now (no space, a lock held elsewhere); nothing was stored.
    #[error("the database cannot take writes; retry after {retry_after_secs} s")]
    Unavailable { retry_after_secs: u64 },
    /// The database cannot take the owner's deletion now; nothing was deleted.
    #[error("the database cannot take the deletion; retry after {retry_after_secs} s")]
    NotDeleted { retry_after_secs: u64 },
    /// An `Idempotency-Key` sent again with a different body.
    #[error("idempotency key reused with another body")]
    KeyReused,
    /// The result's report was emailed as often as one result may be.
    #[error("report email limit reached")]
    ReportLimit,
    #[error("request timed out")]
    Timeout,
    #[error("request headers too large")]
    HeadersTooLarge,
    #[error("database error: {0}")]
    Db(#[from] sqlx::Error),
    #[error("internal error: {0}")]
    Internal(#[from] anyhow::Error),
}

impl From<axum::extract::rejection::BytesRejection> for AppError {
    fn from(r: axum::extract::rejection::BytesRejection) -> Self {
        if r.status() == StatusCode::PAYLOAD_TOO_LARGE {
            AppError::PayloadTooLarge
        } else {
            AppError::BadRequest("The request body could not be read.".into())
        }
    }
}

/// Seconds to wait after a database error that says "not now" (a lock, no space).
pub const DB_RETRY_AFTER_SECS: u64 = 5;

/// `Result` with `AppError` as the default error.
pub type Result<T, E = AppError> = std::result::Result<T, E>;

impl AppError {
    pub fn status(&self) -> StatusCode {
        match self {
            AppError::NotFound => StatusCode::NOT_FOUND,
            AppError::Gone => StatusCode::GONE,
            AppError::Validation(_) => StatusCode::UNPROCESSABLE_ENTITY,
            AppError::BadRequest(_) => StatusCode::BAD_REQUEST,
            AppError::UnsupportedMediaType(_) => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            AppError::Forbidden => StatusCode::FORBIDDEN,
            AppError::MethodNotAllowed => StatusCode::METHOD_NOT_ALLOWED,
            AppError::NotImplemented(_) => StatusCode::NOT_IMPLEMENTED,
            AppError::PayloadTooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            AppError::TooManyRequests { .. } => StatusCode::TOO_MANY_REQUESTS,
            AppError::Overloaded { .. }
            | AppError::Unavailable { .. }
            | AppError::NotDeleted { .. } => StatusCode::SERVICE_UNAVAILABLE,
            AppError::KeyReused => StatusCode::UNPROCESSABLE_ENTITY,
            AppError::ReportLimit => StatusCode::CONFLICT,
            AppError::Timeout => StatusCode::REQUEST_TIMEOUT,
            AppError::HeadersTooLarge => StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE,
            AppError::Db(e) if crate::db::is_unavailable(e) => StatusCode::SERVICE_UNAVAILABLE,
            AppError::Db(_) | AppError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// What a person can act on; never the internal cause.
    pub fn public_message(&self) -> String {
        match self {
            AppError::NotFound => "We could not find that page. Check the address, or start a new assessment.".to_owned(),
            AppError::Gone => "This assessment was deleted at its owner's request. Nothing of it is kept; you can start a new assessment.".to_owned(),
            AppError::Validation(errors) => {
                errors.first().map(|e| e.message.clone()).unwrap_or_else(|| "Some answers are not valid.".to_owned())
            }
            AppError::Forbidden => "This form has expired or did not come from this site. Reload the page and try again.".to_owned(),
            AppError::BadRequest(m)
            | AppError::UnsupportedMediaType(m)
            | AppError::NotImplemented(m) => m.clone(),
            AppError::MethodNotAllowed => "This address does not accept that method.".to_owned(),
            AppError::PayloadTooLarge => "The request is too large. Answers fit in well under 64 KiB.".to_owned(),
            AppError::TooManyRequests { retry_after_secs } => format!(
                "Too many assessments were sent from your address in the last minute. Wait {retry_after_secs} seconds, then submit again; your answers are still in the form if you go back."
            ),
            AppError::Overloaded { retry_after_secs } => format!(
                "The server is busy right now. Try again in {retry_after_secs} seconds; nothing you sent was stored."
            ),
            AppError::Unavailable { retry_after_secs } => format!(
                "We could not save this just now: the server cannot store anything at the moment. Nothing was saved. Try again in {retry_after_secs} seconds; your answers are still in the form."
            ),
            AppError::NotDeleted { retry_after_secs } => format!(
                "We could not delete this just now: the server cannot store anything at the moment. Nothing was deleted. Try again in {retry_after_secs} seconds; your private link still works."
            ),
            AppError::KeyReused => "This Idempotency-Key was already used in the last 24 hours with a different request body. Send a new key with new answers, or the same body to get the assessment it made.".to_owned(),
            AppError::ReportLimit => format!(
                "This report has been emailed {} times already, the most we send for one result. Print it or save it as a PDF instead.",
                crate::report::MAX_PER_ASSESSMENT
            ),
            AppError::Timeout => "The server took too long to answer. Try again; if you were submitting answers, check whether they were saved before sending them again.".to_owned(),
            AppError::HeadersTooLarge => format!(
                "The request's headers are larger than {} KiB or more than {} lines. Clear this site's cookies, or send fewer or smaller headers.",
                crate::server::MAX_HEADER_BYTES / 1024,
                crate::server::MAX_HEADERS
            ),
            AppError::Db(e) if crate::db::is_unavailable(e) => format!(
                "The server cannot reach its database right now. Try again in {DB_RETRY_AFTER_SECS} seconds."
            ),
            AppError::Db(_) | AppError::Internal(_) => {
                "Something went wrong on our side. Your answers were not lost: go back and submit again.".to_owned()
            }
        }
    }

    /// The answer for a request to `path`: JSON under the API, a page elsewhere.
    pub fn for_path(self, path: &str) -> Response {
        self.answer(crate::is_api(path))
    }

    /// The answer as JSON for the API, as a page otherwise.
    pub fn answer(self, api: bool) -> Response {
        if api {
            ApiError(self).into_response()
        } else {
            self.into_response()
        }
    }

    fn log(&self) {
        match self {
            AppError::Db(e) => tracing::error!(error = %e, "database error"),
            AppError::Internal(e) => tracing::error!(error = ?e, "internal error"),
            _ => {}
        }
    }

    /// Headers the status needs: `Retry-After` on 429 and 503.
    fn headers(&self) -> HeaderMap {
        let mut headers = HeaderMap::new();
        let retry_after = match self {
            AppError::TooManyRequests { retry_after_secs }
            | AppError::Overloaded { retry_after_secs }
            | AppError::Unavailable { retry_after_secs }
            | AppError::NotDeleted { retry_after_secs } => Some(*retry_after_secs),
            AppError::Db(e) if crate::db::is_unavailable(e) => Some(DB_RETRY_AFTER_SECS),
            _ => None,
        };
        if let Some(secs) = retry_after {
            headers.insert(header::RETRY_AFTER, HeaderValue::from(secs));
        }
        headers
    }

    fn errors(&self) -> Vec<FieldError> {
        match self {
            AppError::Validation(errors) => errors.clone(),
            other => vec![FieldError {
                field: None,
                message: other.public_message(),
            }],
        }
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "error.html")]
struct ErrorPage {
    chrome: Chrome,
    status: u16,
    title: &'static str,
    message: String,
}

/// What an error page says, kept on its response so that [`brand_error_pages`] can draw it
/// again under the brand: errors are answered in places that have no state at hand.
#[derive(Clone)]
struct ErrorPageText {
    status: u16,
    title: &'static str,
    message: String,
}

impl ErrorPageText {
    fn page(self, chrome: Chrome) -> ErrorPage {
        ErrorPage {
            chrome,
            status: self.status,
            title: self.title,
            message: self.message,
        }
    }
}

/// Middleware for a server under a brand: error pages in the brand's frame.
pub async fn brand_error_pages(brand: Arc<Brand>, request: Request, next: Next) -> Response {
    let mut response = next.run(request).await;
    let Some(text) = response.extensions_mut().remove::<ErrorPageText>() else {
        return response;
    };
    match text.page(Chrome::with_brand(Some(brand))).render() {
        Ok(html) => {
            response.headers_mut().remove(header::CONTENT_LENGTH);
            *response.body_mut() = Body::from(html);
        }
        Err(e) => tracing::error!(error = %e, "branded error page"),
    }
    response
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        self.log();
        let status = self.status();
        let title = match status {
            StatusCode::NOT_FOUND => "Page not found",
            StatusCode::GONE => "This assessment was deleted",
            StatusCode::INTERNAL_SERVER_ERROR => "Something went wrong",
            StatusCode::SERVICE_UNAVAILABLE => "Please try again shortly",
            StatusCode::REQUEST_TIMEOUT => "The server took too long",
            _ => "We could not use that request",
        };
        let text = ErrorPageText {
            status: status.as_u16(),
            title,
            message: self.public_message(),
        };
        let mut response =
            (status, self.headers(), text.clone().page(Chrome::product())).into_response();
        response.extensions_mut().insert(text);
        response
    }
}

/// The same error, answered as the contract's JSON error body.
#[derive(Debug)]
pub struct ApiError(pub AppError);

impl<E: Into<AppError>> From<E> for ApiError {
    fn from(e: E) -> Self {
        ApiError(e.into())
    }
}

/// The contract's error body: `{"errors": [{"field": "employees", "message": "..."}]}`.
#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct ErrorBody {
    pub errors: Vec<FieldError>,
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        self.0.log();
        (
            self.0.status(),
            self.0.headers(),
            Json(ErrorBody {
                errors: self.0.errors(),
            }),
        )
            .into_response()
    }
}
