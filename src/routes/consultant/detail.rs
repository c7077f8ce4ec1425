//! One assessment for a consultant: the owner's report, all answers, the status workflow, notes,
//! tags, and a re-score under the current rules that never overwrites the stored result.

use askama::Template;
use askama_web::WebTemplate;
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

use super::display::{Badge, When, status_badge, status_label, verdict_badge, when};
use super::filter::{STATUSES, normalise_tag};
use crate::AppState;
use crate::assessment::{Assessment, is_well_formed_id};
use crate::auth::{self, Consultant};
use crate::db::leads::{self, Lead};
use crate::db::review;
use crate::error::{AppError, Result};
use crate::routes::results::ResultsPage;
use crate::rules::questions::{self, Kind, Question};
use crate::rules::{Outcome, text};
use crate::views::Chrome;
use crate::views::{amount, number};

/// Longest note accepted, in characters.
const NOTE_MAX_CHARS: usize = 5000;
const MAX_TAGS: usize = 20;

pub struct AnswerRow {
    pub question: String,
    pub answer: String,
}

/// An odd answer, named by its short label for the consultant.
pub struct WarningRow {
    pub question: String,
    pub message: String,
}

/// One what-would-change entry as a threshold: the answer given and where the verdict turns.
pub struct LeverRow {
    pub question: String,
    pub from: String,
    pub to: String,
    pub verdict: &'static str,
}

pub struct HistoryRow {
    pub author: String,
    pub when: When,
    pub is_status: bool,
    pub body: String,
}

/// A request for the report by email, with the consent as the owner gave it.
pub struct LeadRow {
    pub name: String,
    pub email: String,
    pub when: When,
    pub client_addr: String,
    pub consent_text: String,
    pub consent_version: String,
    pub email_state: ReportEmail,
}

/// What became of the email that sends the report.
pub enum ReportEmail {
    Sent(When),
    Waiting,
    GivenUp(When),
}

impl From<Lead> for LeadRow {
    fn from(l: Lead) -> Self {
        let email_state = match (&l.email_sent_at, &l.email_failed_at) {
            (Some(at), _) => ReportEmail::Sent(when(at)),
            (None, Some(at)) => ReportEmail::GivenUp(when(at)),
            (None, None) => ReportEmail::Waiting,
        };
        LeadRow {
            name: l.name,
            email: l.email,
            when: when(&l.created_at),
            client_addr: l.client_addr,
            consent_text: l.consent_text,
            consent_version: l.consent_version,
            email_state,
        }
    }
}

pub struct StatusChoice {
    pub value: &'static str,
    pub label: &'static str,
    pub selected: bool,
}

#[derive(Template, WebTemplate)]
#[template(path = "consultant/detail.html")]
pub struct DetailPage {
    chrome: Chrome,
    csrf: String,
    id: String,
    company: String,
    date: When,
    verdict: Badge,
    status: Badge,
    /// Why the spam check found the submission suspicious.
    flagged: Option<String>,
    statuses: Vec<StatusChoice>,
    tags: String,
    leads: Vec<LeadRow>,
    answers: Vec<AnswerRow>,
    warnings: Vec<WarningRow>,
    levers: Vec<LeverRow>,
    history: Vec<HistoryRow>,
    report_html: String,
    error: Option<String>,
    note_draft: String,
}

fn display_value(q: &Question, value: &serde_json::Value) -> String {
    match value {
        serde_json::Value::Null => "(not given)".to_owned(),
        serde_json::Value::String(code) if q.kind == Kind::Choice => q
            .choices
            .iter()
            .find(|c| c.code == code)
            .map_or_else(|| code.clone(), |c| c.label.to_owned()),
        serde_json::Value::Number(n) => match n.as_f64() {
            Some(v) if q.money => amount(v),
            Some(v) => number(v),
            None => n.to_string(),
        },
        serde_json::Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

fn answer_rows(outcome: &Outcome) -> Vec<AnswerRow> {
    questions::QUESTIONS
        .iter()
        .map(|q| AnswerRow {
            question: q.label.to_owned(),
            answer: outcome
                .answers
                .get(q.key)
                .map_or_else(|| "(not given)".to_owned(), |v| display_value(q, v)),
        })
        .collect()
}

fn warning_rows(outcome: &Outcome) -> Vec<WarningRow> {
    outcome
        .warnings
        .iter()
        .map(|w| WarningRow {
            question: questions::find(&w.key)
                .map(|q| q.short_label.to_owned())
                .unwrap_or_default(),
            message: w.message.clone(),
        })
        .collect()
}

fn lever_rows(outcome: &Outcome) -> Vec<LeverRow> {
    outcome
        .what_would_change
        .iter()
        .map(|c| {
            let q = questions::find(&c.key);
            let shown = |v: &serde_json::Value| match q {
                Some(q) => display_value(q, v),
                None => match v {
                    serde_json::Value::String(s) => s.clone(),
                    serde_json::Value::Number(n) => {
                        n.as_f64().map_or_else(|| n.to_string(), number)
                    }
                    other => other.to_string(),
                },
            };
            LeverRow {
                question: q.map_or_else(|| c.key.clone(), |q| q.short_label.to_owned()),
                from: shown(&c.from),
                to: shown(&c.to),
                verdict: c.recommendation.label(),
            }
        })
        .collect()
}

/// A stored status change ("new → won") in words ("New → Won"); anything else as stored.
fn status_change(body: &str) -> String {
    match body.split_once(" → ") {
        Some((from, to)) if STATUSES.contains(&from) && STATUSES.contains(&to) => {
            format!("{} → {}", status_label(from), status_label(to))
        }
        _ => body.to_owned(),
    }
}

pub(super) async fn load(state: &AppState, id: &str) -> Result<(review::ReviewRow, Assessment)> {
    if !is_well_formed_id(id) {
        return Err(AppError::NotFound);
    }
    let row = review::find_for_review(&state.db, id)
        .await?
        .ok_or(AppError::NotFound)?;
    let outcome: Outcome = serde_json::from_str(&row.result).map_err(|e| {
        AppError::Internal(anyhow::anyhow!("stored result {id} does not parse: {e}"))
    })?;
    let a = Assessment {
        id: row.id.clone(),
        created_at: row.created_at.clone(),
        outcome,
    };
    Ok((row, a))
}

async fn page(
    consultant: &Consultant,
    state: &AppState,
    id: &str,
    error: Option<String>,
    note_draft: String,
) -> Result<DetailPage> {
    let (row, a) = load(state, id).await?;
    let report_html = ResultsPage::new(&a, Chrome::product())?.report_html;
    let notes = review::notes(&state.db, id).await?;
    let tags = review::tags(&state.db, id).await?;
    let leads = leads::leads_of(&state.db, id).await?;
    Ok(DetailPage {
        chrome: Chrome::product(),
        csrf: consultant.csrf.clone(),
        id: a.id.clone(),
        company: a
            .outcome
            .answers
            .get("company")
            .and_then(|v| v.as_str())
            .unwrap_or("(no name given)")
            .to_owned(),
        date: when(&a.created_at),
        verdict: verdict_badge(a.outcome.recommendation.code()),
        statuses: STATUSES
            .iter()
            .map(|s| StatusChoice {
                value: s,
                label: status_label(s),
                selected: *s == row.status,
            })
            .collect(),
        status: status_badge(&row.status),
        flagged: row.flagged,
        tags: tags.join(", "),
        leads: leads.into_iter().map(LeadRow::from).collect(),
        answers: answer_rows(&a.outcome),
        warnings: warning_rows(&a.outcome),
        levers: lever_rows(&a.outcome),
        history: notes
            .into_iter()
            .map(|n| {
                let is_status = n.kind == "status";
                HistoryRow {
                    author: n.author,
                    when: when(&n.created_at),
                    body: if is_status {
                        status_change(&n.body)
                    } else {
                        n.body
                    },
                    is_status,
                }
            })
            .collect(),
        report_html,
        error,
        note_draft,
    })
}

pub async fn show(
    consultant: Consultant,
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<DetailPage> {
    page(&consultant, &state, &id, None, String::new()).await
}

#[derive(Deserialize, Default)]
struct ChangeForm {
    csrf: Option<String>,
    body: Option<String>,
    status: Option<String>,
    tags: Option<String>,
}

/// A consultant's change to one assessment, once its form is read, its CSRF token checked and
/// its id known to be well formed.
struct Change {
    consultant: Consultant,
    state: AppState,
    id: String,
    form: ChangeForm,
}

impl Change {
    async fn read(
        consultant: Consultant,
        state: AppState,
        id: String,
        body: std::result::Result<Bytes, BytesRejection>,
    ) -> Result<Self> {
        let form: ChangeForm = serde_urlencoded::from_bytes(&body?).map_err(|_| {
            AppError::BadRequest(
                "The form could not be read. Reload the page and try again.".into(),
            )
        })?;
        if !auth::csrf_ok(&consultant.session, form.csrf.as_deref()).await {
            return Err(AppError::Forbidden);
        }
        if !is_well_formed_id(&id) {
            return Err(AppError::NotFound);
        }
        Ok(Self {
            consultant,
            state,
            id,
            form,
        })
    }

    /// The page again, `422`, with `message` beside the forms and the note draft kept.
    async fn rejected(&self, message: &str, draft: String) -> Result<Response> {
        let page = page(
            &self.consultant,
            &self.state,
            &self.id,
            Some(message.to_owned()),
            draft,
        )
        .await?;
        Ok((axum::http::StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
    }

    /// Back to the assessment's page at `anchor`; `found` is false when the change met no
    /// assessment.
    fn done(&self, found: bool, anchor: &str) -> Result<Response> {
        if !found {
            return Err(AppError::NotFound);
        }
        Ok(Redirect::to(&format!("/consultant/assessments/{}#{anchor}", self.id)).into_response())
    }
}

fn now() -> String {
    crate::assessment::now_rfc3339()
}

pub async fn add_note(
    consultant: Consultant,
    State(state): State<AppState>,
    Path(id): Path<String>,
    body: std::result::Result<Bytes, BytesRejection>,
) -> Result<Response> {
    let mut change = Change::read(consultant, state, id, body).await?;
    let text = change.form.body.take().unwrap_or_default();
    let visible = text::visible(&text);
    let trimmed = visible.trim();
    if trimmed.is_empty() {
        return change
            .rejected("Write something before adding a note.", text)
            .await;
    }
    if trimmed.chars().count() > NOTE_MAX_CHARS {
        let message = format!("Keep a note under {NOTE_MAX_CHARS} characters.");
        return change.rejected(&message, text).await;
    }
    let found = review::add_note(
        &change.state.db,
        &change.id,
        &change.consultant.email,
        trimmed,
        &now(),
    )
    .await?;
    change.done(found, "history")
}

pub async fn set_status(
    consultant: Consultant,
    State(state): State<AppState>,
    Path(id): Path<String>,
    body: std::result::Result<Bytes, BytesRejection>,
) -> Result<Response> {
    let mut change = Change::read(consultant, state, id, body).await?;
    let status = change.form.status.take().unwrap_or_default();
    if !STATUSES.contains(&status.as_str()) {
        let message = format!("Choose a status: {}.", STATUSES.join(", "));
        return change.rejected(&message, String::new()).await;
    }
    let found = review::set_status(
        &change.state.db,
        &change.id,
        &status,
        &change.consultant.email,
        &now(),
    )
    .await?;
    change.done(found, "workflow")
}

pub async fn set_tags(
    consultant: Consultant,
    State(state): State<AppState>,
    Path(id): Path<String>,
    body: std::result::Result<Bytes, BytesRejection>,
) -> Result<Response> {
    let mut change = Change::read(consultant, state, id, body).await?;
    let raw = change.form.tags.take().unwrap_or_default();
    let mut tags = Vec::new();
    for t in raw.split(',').map(str::trim).filter(|t| !t.is_empty()) {
        match normalise_tag(t) {
            Some(t) if !tags.contains(&t) => tags.push(t),
            Some(_) => {}
            None => {
                let message = format!(
                    "\"{}\" is not a valid tag: use up to 40 letters, digits, spaces or dashes.",
                    t.chars().take(60).collect::<String>()
                );
                return change.rejected(&message, String::new()).await;
            }
        }
    }
    if tags.len() > MAX_TAGS {
        let message = format!("Use at most {MAX_TAGS} tags.");
        return change.rejected(&message, String::new()).await;
    }
    let found = review::set_tags(&change.state.db, &change.id, &tags).await?;
    change.done(found, "workflow")
}
