//! The questionnaire page and the form submission.

use askama::Template;
use askama_web::WebTemplate;
use axum::Router;
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{RawQuery, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};

use crate::assessment::RetryKey;
use crate::client_addr::ClientAddr;
use crate::error::{AppError, Result};
use crate::questionnaire::{Kind, Question, sections};
use crate::rules::answers::messages;
use crate::rules::{Answers, FieldError, RawAnswers};
use crate::views::Chrome;
use crate::{AppState, assessment, assets, report};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/assess", get(show))
        .route("/assessments", post(submit))
}

/// One radio button.
pub struct OptionView {
    pub value: &'static str,
    pub label: &'static str,
    pub hint: &'static str,
    pub checked: bool,
}

/// One question with what the owner entered and what is wrong with it.
pub struct QuestionView {
    pub key: &'static str,
    pub label: &'static str,
    /// The question's short name, for the error summaries.
    pub short_label: &'static str,
    pub hint: &'static str,
    pub is_choice: bool,
    /// `choice`, `text`, `whole` or `number`, for the in-browser checks.
    pub kind: &'static str,
    pub inputmode: &'static str,
    pub min: String,
    pub max: String,
    pub maxlength: String,
    /// The checks the browser may make before sending, each with the parser's own message:
    /// rendered as `data-check-*` attributes.
    pub checks: Vec<(&'static str, String)>,
    pub required: bool,
    pub value: String,
    pub error: Option<String>,
    pub default_note: String,
    /// An amount of money: the field carries a "$" prefix.
    pub money: bool,
    /// The value used when the field is left empty, formatted as a placeholder ("1,500").
    pub placeholder: String,
    /// A typical value per person using IT, for the form to pre-fill from the headcount.
    pub per_person: String,
    pub options: Vec<OptionView>,
}

pub struct SectionView {
    pub id: &'static str,
    pub title: &'static str,
    pub intro: &'static str,
    pub questions: Vec<QuestionView>,
}

#[derive(Template, WebTemplate)]
#[template(path = "questionnaire.html")]
pub struct QuestionnairePage {
    pub chrome: Chrome,
    /// The step-by-step flow; the form works without it.
    pub form_js: String,
    pub form_action: &'static str,
    /// The signed time the form was shown, for the spam check.
    pub form_started: String,
    /// The form's one-time token: sent again, the same form shows the assessment it made.
    pub submission: String,
    /// A problem with the whole submission (it could not be saved), shown above the form.
    pub alert: String,
    pub sections: Vec<SectionView>,
    /// Every problem, in question order (key and message): the summary at the top counts them
    /// and names each question by its short name.
    pub errors: Vec<(String, String)>,
    /// "Email me the report too" at the end of the last step, when the server sends email.
    pub report: Option<ContactView>,
}

/// The optional request for the report by email at the end of the questionnaire: the same
/// fields and consent as the results page's form, stored with the assessment it makes.
pub struct ContactView {
    pub consent_text: String,
    pub privacy_url: Option<String>,
    pub name: String,
    pub email: String,
    pub consent: bool,
    pub name_error: Option<String>,
    pub email_error: Option<String>,
    pub consent_error: Option<String>,
}

impl ContactView {
    /// Its problems for the error summary: the field's id, short name and message.
    pub fn errors(&self) -> Vec<(&'static str, &'static str, &str)> {
        [
            ("field-report_name", "Your name", &self.name_error),
            (
                "field-report_email",
                "Your email address",
                &self.email_error,
            ),
            ("field-report_consent", "Consent", &self.consent_error),
        ]
        .into_iter()
        .filter_map(|(id, label, e)| e.as_deref().map(|e| (id, label, e)))
        .collect()
    }
}

/// The form fields of the optional report request; not answers, never stored with them.
pub const REPORT_NAME: &str = "report_name";
pub const REPORT_EMAIL: &str = "report_email";
pub const REPORT_CONSENT: &str = "report_consent";

/// What the form asked for: `None` when the report request was left alone (or the server
/// sends no email), otherwise the request as typed.
fn contact_request(state: &AppState, raw: &RawAnswers) -> Option<report::Request> {
    if !report::enabled(state) {
        return None;
    }
    let field = |k: &str| raw.get(k).cloned().unwrap_or_default();
    let request = report::Request {
        name: field(REPORT_NAME),
        email: field(REPORT_EMAIL),
        consent: raw.get(REPORT_CONSENT).is_some_and(|v| !v.is_empty()),
    };
    let asked =
        !request.name.trim().is_empty() || !request.email.trim().is_empty() || request.consent;
    asked.then_some(request)
}

/// The report request checked: its problems named by the form's field names.
fn check_contact(
    request: Option<&report::Request>,
) -> std::result::Result<Option<report::Contact>, Vec<FieldError>> {
    let Some(request) = request else {
        return Ok(None);
    };
    report::check(request).map(Some).map_err(|errors| {
        errors
            .into_iter()
            .map(|e| FieldError {
                field: e.field.map(|f| format!("report_{f}")),
                message: e.message,
            })
            .collect()
    })
}

fn contact_view(state: &AppState, raw: &RawAnswers, errors: &[FieldError]) -> Option<ContactView> {
    if !report::enabled(state) {
        return None;
    }
    let error = |key: &str| {
        errors
            .iter()
            .find(|e| e.field.as_deref() == Some(key))
            .map(|e| e.message.clone())
    };
    Some(ContactView {
        consent_text: report::consent_text(state),
        privacy_url: state.brand.as_ref().and_then(|b| b.privacy_url.clone()),
        name: raw.get(REPORT_NAME).cloned().unwrap_or_default(),
        email: raw.get(REPORT_EMAIL).cloned().unwrap_or_default(),
        consent: raw.get(REPORT_CONSENT).is_some_and(|v| !v.is_empty()),
        name_error: error(REPORT_NAME),
        email_error: error(REPORT_EMAIL),
        consent_error: error(REPORT_CONSENT),
    })
}

fn plain_number(v: f64) -> String {
    if v.fract() == 0.0 {
        format!("{}", v as i64)
    } else {
        v.to_string()
    }
}

/// A default's source as an owner reads it: the publishers' names ("iKnowTech IT support rate
/// card (2023), Adelyte"), never the research notes' section numbers.
fn source_names(stored: &str) -> String {
    let cited = crate::sources::cite(stored);
    if cited.sources.is_empty() {
        if cited.text.is_empty() {
            cited.note.map(|n| n.text()).unwrap_or_default().to_owned()
        } else {
            cited.text
        }
    } else {
        let names: Vec<&str> = cited.sources.iter().map(|s| s.name.as_str()).collect();
        names.join(", ")
    }
}

fn question_view(q: &Question, raw: &RawAnswers, errors: &[FieldError]) -> QuestionView {
    let value = raw.get(q.key).cloned().unwrap_or_default();
    let error = errors
        .iter()
        .find(|e| e.field.as_deref() == Some(q.key))
        .map(|e| e.message.clone());
    let default_note = match (&q.default, &q.default_source, q.suggested_per_person) {
        (Some(d), Some(src), _) => format!(
            "If left empty: ${} ({}).",
            crate::views::thousands(*d),
            source_names(src)
        ),
        (None, Some(src), _) => format!("If left empty: {}.", crate::sources::readable(src)),
        (_, _, Some(p)) => format!(
            "Not sure? Help desks see about {} a month for each person using IT, counting small \
             requests such as passwords, access and new starters: about {} a month for 15 people.",
            plain_number(p),
            plain_number((p * 15.0 * 10.0).round() / 10.0)
        ),
        _ => String::new(),
    };
    let descriptor = crate::rules::questions::find(q.key);
    QuestionView {
        key: q.key,
        label: q.label,
        short_label: descriptor.map_or(q.label, |d| d.summary_name()),
        hint: q.hint,
        is_choice: q.kind == Kind::Choice,
        kind: match q.kind {
            Kind::Choice => "choice",
            Kind::Text => "text",
            Kind::WholeNumber => "whole",
            Kind::Number => "number",
        },
        inputmode: match q.kind {
            Kind::WholeNumber => "numeric",
            Kind::Number => "decimal",
            _ => "text",
        },
        checks: messages::browser_checks(q.key),
        min: q.min.map(plain_number).unwrap_or_default(),
        max: q.max.map(plain_number).unwrap_or_default(),
        maxlength: q.max_length.map(|m| m.to_string()).unwrap_or_default(),
        required: q.required,
        error,
        default_note,
        money: descriptor.is_some_and(|d| d.money),
        placeholder: q.default.map(crate::views::thousands).unwrap_or_default(),
        per_person: q.suggested_per_person.map(plain_number).unwrap_or_default(),
        options: q
            .choices
            .iter()
            .map(|c| OptionView {
                value: c.value,
                label: c.label,
                hint: c.hint,
                checked: value == c.value,
            })
            .collect(),
        value,
    }
}

/// Builds the page for the given entries and problems (both empty for a fresh form).
pub fn page(state: &AppState, raw: &RawAnswers, errors: &[FieldError]) -> QuestionnairePage {
    let sections: Vec<SectionView> = sections(&state.rules.cost_defaults())
        .iter()
        .map(|s| SectionView {
            id: s.id,
            title: s.title,
            intro: s.intro,
            questions: s
                .questions
                .iter()
                .map(|q| question_view(q, raw, errors))
                .collect(),
        })
        .collect();
    let report = contact_view(state, raw, errors);
    let summary = sections
        .iter()
        .flat_map(|s| s.questions.iter())
        .filter_map(|q| q.error.as_ref().map(|e| (q.key.to_owned(), e.clone())))
        .chain(report.iter().flat_map(|r| {
            r.errors()
                .into_iter()
                .map(|(id, _, e)| (id.to_owned(), e.to_owned()))
        }))
        .collect();
    QuestionnairePage {
        chrome: Chrome::owner(state),
        form_js: assets::url_of("questionnaire"),
        form_action: "/assessments",
        form_started: state.form_guard.token_for(raw),
        submission: raw
            .get(SUBMISSION_FIELD)
            .filter(|token| assessment::is_well_formed_id(token))
            .cloned()
            // Without randomness the form still works, only without retry protection.
            .unwrap_or_else(|| assessment::new_id().unwrap_or_default()),
        alert: String::new(),
        sections,
        errors: summary,
        report,
    }
}

/// The hidden field that carries the form's one-time token.
pub const SUBMISSION_FIELD: &str = "submission";

/// The questionnaire; `?embed=1` is the embedded questionnaire's other address and redirects
/// to it, where the embed framing policy applies, with the host's `theme` and `accent`.
async fn show(State(state): State<AppState>, RawQuery(query): RawQuery) -> Response {
    let pairs = serde_urlencoded::from_str::<Vec<(String, String)>>(query.as_deref().unwrap_or(""))
        .unwrap_or_default();
    if pairs.iter().any(|(k, v)| k == "embed" && v == "1") {
        // Passed on as given: the embedded questionnaire checks them.
        let look: Vec<&(String, String)> = pairs
            .iter()
            .filter(|(k, _)| k == "theme" || k == "accent")
            .collect();
        let query = serde_urlencoded::to_string(&look).unwrap_or_default();
        let to = if query.is_empty() {
            "/assess/embed".to_owned()
        } else {
            format!("/assess/embed?{query}")
        };
        Redirect::to(&to).into_response()
    } else {
        page(&state, &RawAnswers::new(), &[]).into_response()
    }
}

/// Reads a form body; the first value of a repeated key wins. Unknown keys are kept but ignored.
pub fn parse_form(body: &[u8]) -> Result<RawAnswers> {
    let pairs: Vec<(String, String)> = serde_urlencoded::from_bytes(body).map_err(|_| {
        AppError::BadRequest(
            "The form data could not be read. Reload the questionnaire and try again.".into(),
        )
    })?;
    let mut raw = RawAnswers::new();
    for (k, v) in pairs {
        raw.entry(k).or_insert(v);
    }
    Ok(raw)
}

fn is_form(headers: &HeaderMap) -> bool {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .is_some_and(|v| {
            v.trim()
                .eq_ignore_ascii_case("application/x-www-form-urlencoded")
        })
}

/// The form body of a submission, or the error to answer when it is not a readable form.
fn read_form(
    headers: &HeaderMap,
    body: std::result::Result<Bytes, BytesRejection>,
) -> Result<(Bytes, RawAnswers)> {
    let body = body?;
    if !is_form(headers) {
        return Err(AppError::UnsupportedMediaType(
            "Send the questionnaire as a form (application/x-www-form-urlencoded), or use the JSON API at /api/v1/assessments."
                .into(),
        ));
    }
    let raw = parse_form(&body)?;
    Ok((body, raw))
}

/// What became of a submitted questionnaire: stored, or to be shown again with its problems.
pub enum Submission {
    /// Stored under this id (now, or by an earlier sending of the same form), with the owner's
    /// private deletion token.
    Stored {
        id: String,
        delete_token: String,
    },
    Invalid(RawAnswers, Vec<FieldError>),
    /// Valid, but the database could not take it: nothing was stored, the form is shown again
    /// with this error.
    Unsaved(RawAnswers, AppError),
}

/// The one path both questionnaires (full and embedded) take: rate limit, read, parse, flag
/// suspicious entries, store. A form sent again with the same token and the same answers (a
/// reload after submitting, a double click) gets the assessment it made the first time.
pub async fn accept(
    state: &AppState,
    client: ClientAddr,
    headers: &HeaderMap,
    body: std::result::Result<Bytes, BytesRejection>,
) -> Result<Submission> {
    state.submit_limiter.check(client).await?;
    let (body, raw) = read_form(headers, body)?;
    let request = contact_request(state, &raw);
    let (answers, contact) = match (Answers::parse(&raw), check_contact(request.as_ref())) {
        (Ok(answers), Ok(contact)) => (answers, contact),
        (answers, contact) => {
            let mut errors = answers.err().unwrap_or_default();
            errors.extend(contact.err().unwrap_or_default());
            return Ok(Submission::Invalid(raw, errors));
        }
    };
    let key = raw
        .get(SUBMISSION_FIELD)
        .filter(|token| assessment::is_well_formed_id(token))
        .map(|token| RetryKey::for_form(token, &body));
    let flagged = state.form_guard.suspicion(&raw);
    let lead = contact.as_ref().map(|c| (c, client));
    match assessment::create(state, &answers, flagged.as_deref(), key, lead).await {
        Ok(created) => Ok(Submission::Stored {
            id: created.id,
            delete_token: created.delete_token,
        }),
        Err(e @ AppError::Unavailable { .. }) => Ok(Submission::Unsaved(raw, e)),
        Err(e) => Err(e),
    }
}

/// The 503 answer to a valid form that could not be saved: the form again, answers kept.
pub fn unsaved<T: IntoResponse>(error: &AppError, page: T) -> Response {
    let retry_after = match error {
        AppError::Unavailable { retry_after_secs } => *retry_after_secs,
        _ => 5,
    };
    (
        StatusCode::SERVICE_UNAVAILABLE,
        [(header::RETRY_AFTER, retry_after.to_string())],
        page,
    )
        .into_response()
}

#[tracing::instrument(skip_all)]
async fn submit(
    State(state): State<AppState>,
    client: ClientAddr,
    headers: HeaderMap,
    body: std::result::Result<Bytes, BytesRejection>,
) -> Result<Response> {
    Ok(match accept(&state, client, &headers, body).await? {
        Submission::Stored { id, delete_token } => (
            [(
                header::SET_COOKIE,
                crate::erasure::first_view_cookie(&id, &delete_token, state.config.secure_cookies),
            )],
            Redirect::to(&format!("/assessments/{id}")),
        )
            .into_response(),
        Submission::Invalid(raw, errors) => (
            StatusCode::UNPROCESSABLE_ENTITY,
            page(&state, &raw, &errors),
        )
            .into_response(),
        Submission::Unsaved(raw, error) => {
            let mut form = page(&state, &raw, &[]);
            form.alert = error.public_message();
            unsaved(&error, form)
        }
    })
}
