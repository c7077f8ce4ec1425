//! The selection as a file: `export.csv` for spreadsheets, `export.json` for integrations.
//!
//! Both stream with memory that does not grow with the number of rows (see `stream`).

mod csv;
mod json;
mod stream;

use axum::Json;
use axum::body::Body;
use axum::extract::{Query, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use self::csv::CsvEncoder;
use self::json::JsonEncoder;
use self::stream::stream_export;
use super::filter::ListQuery;
use crate::AppState;
use crate::auth::Consultant;
use crate::db::review::ExportRow;
use crate::error::Result;
use crate::rules::{FieldError, questions};

/// Every answer key in questionnaire order, as stored in a result's `answers` (defaults
/// filled), with its short name.
pub(super) fn answer_keys() -> impl Iterator<Item = (&'static str, &'static str)> {
    questions::QUESTIONS.iter().map(|q| (q.key, q.short_label))
}

/// Every factor that can push the score, in scoring order, with the label the results page uses.
/// Only answers that score have a factor; the cost inputs act through `costs`.
pub(super) fn factor_keys() -> impl Iterator<Item = (&'static str, &'static str)> {
    questions::factors()
}

/// CSV: one row per assessment (newest first) with every answer (defaults filled in), the
/// verdict, each factor's points (`points_<key>`, 0 when the factor did not move), both cost
/// spreads, the break-even fee, status, tags (`;`-joined) and the history (one entry a line);
/// last, the number of leads and the latest lead's name, email, consent time and consent version.
pub async fn csv(
    consultant: Consultant,
    State(state): State<AppState>,
    Query(query): Query<ListQuery>,
) -> Result<Response> {
    let selection = query.selection();
    if !selection.errors.is_empty() {
        let message: Vec<String> = selection
            .errors
            .iter()
            .map(|(field, m)| format!("{field}: {m}"))
            .collect();
        return Ok((StatusCode::BAD_REQUEST, message.join("\n")).into_response());
    }
    tracing::info!(email = %consultant.email, "csv export");
    let body = stream_export(state.db.clone(), &selection.filter, CsvEncoder::new());
    Ok(download(body, "text/csv; charset=utf-8", "csv"))
}

/// JSON: an array of assessments, each as `GET /api/v1/assessments/{id}` gives it (id,
/// created_at and the stored outcome), plus `status`, `tags` (array of strings) and `history`
/// (the consultants' notes and status changes as one string, an entry a line:
/// `<time> <author>: <text>`; empty when none). It is not called `notes` because the outcome
/// already has `notes`: the advisor's own remarks to the owner. `leads`: the owner's requests for
/// the report by email, oldest first, each with the consent text as given ([`ExportLead`]).
pub async fn json(
    consultant: Consultant,
    State(state): State<AppState>,
    Query(query): Query<ListQuery>,
) -> Response {
    let selection = query.selection();
    if !selection.errors.is_empty() {
        let errors: Vec<FieldError> = selection
            .errors
            .iter()
            .map(|(field, m)| FieldError::field(field, m.clone()))
            .collect();
        return (StatusCode::BAD_REQUEST, Json(ErrorBody { errors })).into_response();
    }
    tracing::info!(email = %consultant.email, "json export");
    let body = stream_export(state.db.clone(), &selection.filter, JsonEncoder::default());
    download(body, "application/json", "json")
}

#[derive(Serialize)]
struct ErrorBody {
    errors: Vec<FieldError>,
}

fn download(body: Body, content_type: &'static str, extension: &str) -> Response {
    let today = time::OffsetDateTime::now_utc().date();
    let disposition =
        format!("attachment; filename=\"servicefit-assessments-{today}.{extension}\"");
    let mut response = Response::new(body);
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    if let Ok(v) = HeaderValue::from_str(&disposition) {
        headers.insert(header::CONTENT_DISPOSITION, v);
    }
    response
}

/// A lead as the exports carry it: the request for the report by email, with the consent as
/// given.
#[derive(Debug, Clone, Deserialize, Serialize)]
pub(super) struct ExportLead {
    pub name: String,
    pub email: String,
    pub consent_text: String,
    pub consent_version: String,
    pub created_at: String,
    pub client_addr: String,
    /// When the report went out; `null` while it waits or after sending was given up.
    pub email_sent_at: Option<String>,
}

/// The leads of an export row, oldest first.
pub(super) fn export_leads(row: &ExportRow) -> anyhow::Result<Vec<ExportLead>> {
    serde_json::from_str(&row.leads)
        .map_err(|e| anyhow::anyhow!("leads of {} do not parse: {e}", row.id))
}

/// An answer as a cell: text as is, numbers in their JSON spelling, absent as empty.
pub(super) fn answer_text(v: Option<&Value>) -> String {
    match v {
        None | Some(Value::Null) => String::new(),
        Some(Value::String(s)) => s.clone(),
        Some(other) => other.to_string(),
    }
}
