//! "Email me this report" on the results page: the form's POST, the page again with the
//! values kept when something is wrong, and the confirmation. The API's route is in
//! [`super::api`]; both go through [`crate::report::request`].

use askama::Template;
use askama_web::WebTemplate;
use axum::Router;
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{Path, State};
use axum::http::header;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use serde::Deserialize;

use crate::client_addr::ClientAddr;
use crate::error::{AppError, Result};
use crate::routes::results::ResultsPage;
use crate::views::Chrome;
use crate::{AppState, assessment, report};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/assessments/{id}/report", post(send))
        .route("/assessments/{id}/report/sent", get(sent))
}

/// The form on the results page, empty or as the person filled it in.
pub struct EmailForm {
    pub action: String,
    /// The words beside the consent box: the brand's, or ours.
    pub consent_text: String,
    pub privacy_url: Option<String>,
    pub name: String,
    pub email: String,
    pub consent: bool,
    pub name_error: Option<String>,
    pub email_error: Option<String>,
    pub consent_error: Option<String>,
    /// A problem that is not about one field: too many requests, the limit, a busy database.
    pub problem: Option<String>,
}

impl EmailForm {
    /// The results page's form.
    pub fn empty(state: &AppState, id: &str) -> Self {
        Self::posting_to(state, format!("/assessments/{id}/report"))
    }

    /// The form posting to `path`.
    pub fn posting_to(state: &AppState, path: String) -> Self {
        Self {
            // The page that comes back with a problem opens at its error summary, which the
            // browser then focuses (it has tabindex -1), with or without JavaScript.
            action: format!("{path}#email-report-errors"),
            consent_text: report::consent_text(state),
            privacy_url: state.brand.as_ref().and_then(|b| b.privacy_url.clone()),
            name: String::new(),
            email: String::new(),
            consent: false,
            name_error: None,
            email_error: None,
            consent_error: None,
            problem: None,
        }
    }

    /// The form's errors in page order, each with the field it links to.
    pub fn errors(&self) -> Vec<(&'static str, &str)> {
        [
            ("report-name", &self.name_error),
            ("report-email", &self.email_error),
            ("report-consent", &self.consent_error),
        ]
        .into_iter()
        .filter_map(|(id, e)| e.as_deref().map(|e| (id, e)))
        .collect()
    }
}

/// The form's fields as sent. A ticked box sends `consent=yes`; an unticked one sends nothing.
#[derive(Deserialize, Default)]
struct Fields {
    #[serde(default)]
    name: String,
    #[serde(default)]
    email: String,
    #[serde(default)]
    consent: Option<String>,
}

#[derive(Template, WebTemplate)]
#[template(path = "report_sent.html")]
struct SentPage {
    chrome: Chrome,
    id: String,
}

#[tracing::instrument(skip_all)]
async fn send(
    State(state): State<AppState>,
    Path(id): Path<String>,
    client: ClientAddr,
    body: std::result::Result<Bytes, BytesRejection>,
) -> Result<Response> {
    let request = read(body)?;
    match report::request(&state, &id, &request, client).await {
        Ok(()) => Ok(Redirect::to(&format!("/assessments/{id}/report/sent")).into_response()),
        Err(e) => {
            let (form, answer) = filled_in(EmailForm::empty(&state, &id), request, e)?;
            let a = assessment::load(&state, &id).await?;
            let mut page = ResultsPage::owner(&state, &a)?;
            page.email_form = Some(form);
            let html = page.render().map_err(|e| AppError::Internal(e.into()))?;
            Ok(answer.with(html))
        }
    }
}

/// The form's body as a request.
pub fn read(body: std::result::Result<Bytes, BytesRejection>) -> Result<report::Request> {
    let body = body?;
    let fields: Fields = serde_urlencoded::from_bytes(&body).map_err(|_| {
        AppError::BadRequest(
            "The form could not be read. Reload the result's page and send it again.".to_owned(),
        )
    })?;
    Ok(report::Request {
        name: fields.name,
        email: fields.email,
        consent: fields.consent.is_some_and(|v| !v.is_empty()),
    })
}

/// How a page that shows the form again is answered: its status and `Retry-After`.
pub struct Again {
    status: axum::http::StatusCode,
    retry_after: Option<u64>,
}

impl Again {
    /// `html` answered with this status, never cached (it holds what a person typed).
    pub fn with(self, html: String) -> Response {
        let mut response = (
            self.status,
            [
                (header::CACHE_CONTROL, "no-store"),
                (header::CONTENT_TYPE, "text/html; charset=utf-8"),
            ],
            html,
        )
            .into_response();
        if let Some(secs) = self.retry_after {
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, header::HeaderValue::from(secs));
        }
        response
    }
}

/// `form` filled in as sent, with the problem said where the form is, and how to answer the
/// page that shows it. Errors that are not about the form (an unknown result, email off) are
/// given back, for their own page.
pub fn filled_in(
    mut form: EmailForm,
    request: report::Request,
    error: AppError,
) -> Result<(EmailForm, Again)> {
    let answer = Again {
        status: error.status(),
        retry_after: match &error {
            AppError::TooManyRequests { retry_after_secs }
            | AppError::Unavailable { retry_after_secs } => Some(*retry_after_secs),
            AppError::Db(e) if crate::db::is_unavailable(e) => Some(5),
            _ => None,
        },
    };
    match error {
        AppError::Validation(errors) => {
            for e in errors {
                let slot = match e.field.as_deref() {
                    Some("name") => &mut form.name_error,
                    Some("email") => &mut form.email_error,
                    Some("consent") => &mut form.consent_error,
                    _ => &mut form.problem,
                };
                *slot = Some(e.message);
            }
        }
        e @ (AppError::TooManyRequests { .. }
        | AppError::ReportLimit
        | AppError::Unavailable { .. }) => form.problem = Some(e.public_message()),
        AppError::Db(e) if crate::db::is_unavailable(&e) => {
            form.problem = Some(AppError::Db(e).public_message());
        }
        other => return Err(other),
    }
    form.name = request.name;
    form.email = request.email;
    form.consent = request.consent;
    Ok((form, answer))
}

/// "On its way": where the form leads. It names no address: anyone may open this page.
async fn sent(State(state): State<AppState>, Path(id): Path<String>) -> Result<Response> {
    assessment::load(&state, &id).await?;
    Ok(SentPage {
        chrome: Chrome::owner(&state),
        id,
    }
    .into_response())
}
