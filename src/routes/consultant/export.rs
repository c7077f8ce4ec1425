//! The selection as a file: `export.csv` for spreadsheets, `export.json` for integrations.
//!
//! Both stream: a spawned task reads the query row by row and sends small chunks through a
//! bounded channel, so the memory used does not grow with the number of rows, and a client that
//! goes away stops the query.

use axum::Json;
use axum::body::{Body, Bytes};
use axum::extract::{Query, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use futures_util::TryStreamExt;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use sqlx::{AssertSqlSafe, SqlitePool};
use tokio::sync::mpsc;

use super::filter::ListQuery;
use crate::AppState;
use crate::assessment::Assessment;
use crate::auth::Consultant;
use crate::db::review::{self, ExportRow, Filter};
use crate::error::Result;
use crate::rules::{FieldError, Outcome};

/// Every answer key in questionnaire order, as stored in a result's `answers` (defaults filled).
pub(super) const ANSWER_KEYS: [(&str, &str); 15] = [
    ("company", "Business name"),
    ("employees", "People"),
    ("growth", "Growth plans"),
    ("it_reliance", "Reliance on IT"),
    ("complexity", "What there is to look after"),
    ("incidents_per_month", "IT problems a month"),
    ("support_hours", "When help is needed"),
    ("security", "Data and rules to protect"),
    ("in_house_it", "IT people in the team"),
    ("budget", "Budget"),
    ("cost_preference", "How they like to pay"),
    ("control", "How involved they want to be"),
    ("hourly_rate", "Technician's hourly rate"),
    ("managed_fee_per_user", "Managed fee per person a month"),
    ("downtime_cost_per_hour", "Cost of an hour of downtime"),
];

/// Every factor that can push the score, in scoring order, with the label the results page uses.
/// Only answers that score have a factor; the cost inputs act through `costs`.
pub(super) const FACTOR_KEYS: [(&str, &str); 12] = [
    ("employees", "Size of the business"),
    ("growth", "Growth plans"),
    ("it_reliance", "How much work depends on IT"),
    ("complexity", "What there is to look after"),
    ("incidents_per_month", "How often something breaks"),
    ("support_hours", "When you need help"),
    ("security", "Data and rules to protect"),
    ("in_house_it", "IT skills in your team"),
    ("budget", "Room in the budget"),
    ("cost_preference", "How you like to pay"),
    ("control", "How involved you want to be"),
    ("costs", "Cost in a bad year"),
];

/// Bytes gathered before a chunk is sent: a few dozen rows.
const CHUNK_BYTES: usize = 16 * 1024;
/// Chunks that may wait in the channel while the client reads.
const CHANNEL_CHUNKS: usize = 4;

/// CSV: one row per assessment (newest first) with every answer (defaults filled in), the
/// verdict, each factor's points (`points_<key>`, 0 when the factor did not move), both cost
/// spreads, the break-even fee, status, tags (`;`-joined) and the history (one entry a line).
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
/// already has `notes`: the advisor's own remarks to the owner.
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

/// Turns export rows into bytes, keeping what it has written until `take`.
trait Encoder: Send + 'static {
    fn row(&mut self, row: ExportRow) -> anyhow::Result<()>;
    fn finish(&mut self) -> anyhow::Result<()>;
    fn buffered(&self) -> usize;
    fn take(&mut self) -> anyhow::Result<Vec<u8>>;
}

/// Why producing stopped early.
enum Stop {
    ClientGone,
    Failed(anyhow::Error),
}

impl<E: Into<anyhow::Error>> From<E> for Stop {
    fn from(e: E) -> Self {
        Stop::Failed(e.into())
    }
}

type Chunk = std::result::Result<Bytes, std::io::Error>;

/// Runs the export query in a task and returns the body that streams its encoded rows.
fn stream_export(pool: SqlitePool, filter: &Filter, mut encoder: impl Encoder) -> Body {
    let (sql, binds) = review::export_query(filter);
    let (tx, rx) = mpsc::channel::<Chunk>(CHANNEL_CHUNKS);
    tokio::spawn(async move {
        match produce(&pool, sql, binds, &mut encoder, &tx).await {
            Ok(rows) => tracing::debug!(rows, "export finished"),
            Err(Stop::ClientGone) => tracing::debug!("export stopped: the client went away"),
            Err(Stop::Failed(e)) => {
                tracing::error!(error = ?e, "export failed");
                // An error ends the body abruptly, so the client sees a broken download rather
                // than a file that looks complete.
                let _ = tx.send(Err(std::io::Error::other("export failed"))).await;
            }
        }
    });
    Body::from_stream(futures_util::stream::unfold(rx, |mut rx| async move {
        rx.recv().await.map(|chunk| (chunk, rx))
    }))
}

async fn produce(
    pool: &SqlitePool,
    sql: String,
    binds: Vec<String>,
    encoder: &mut impl Encoder,
    tx: &mpsc::Sender<Chunk>,
) -> std::result::Result<u64, Stop> {
    let mut query = sqlx::query_as::<_, ExportRow>(AssertSqlSafe(sql));
    for b in binds {
        query = query.bind(b);
    }
    let mut rows = query.fetch(pool);
    let mut count = 0;
    while let Some(row) = rows.try_next().await? {
        encoder.row(row)?;
        count += 1;
        if encoder.buffered() >= CHUNK_BYTES {
            send(tx, encoder.take()?).await?;
        }
    }
    encoder.finish()?;
    send(tx, encoder.take()?).await?;
    Ok(count)
}

async fn send(tx: &mpsc::Sender<Chunk>, bytes: Vec<u8>) -> std::result::Result<(), Stop> {
    if bytes.is_empty() {
        return Ok(());
    }
    tx.send(Ok(Bytes::from(bytes)))
        .await
        .map_err(|_| Stop::ClientGone)
}

/// A spreadsheet runs a cell that starts with one of these as a formula; a leading `'` makes it
/// text. Applied to everything a person typed (company, tags, notes), never to numbers.
pub(super) fn defuse(text: &str) -> String {
    if text.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{text}")
    } else {
        text.to_owned()
    }
}

/// The parts of a stored result the CSV needs; everything else is skipped while parsing.
#[derive(Deserialize)]
struct CsvResult {
    answers: serde_json::Map<String, Value>,
    recommendation: String,
    confidence: String,
    score: f64,
    factors: Vec<CsvFactor>,
    costs: CsvCosts,
}

#[derive(Deserialize)]
struct CsvFactor {
    key: String,
    points: f64,
}

#[derive(Deserialize)]
struct CsvCosts {
    break_fix: CsvSpread,
    managed: CsvSpread,
    break_even_fee_per_user: f64,
}

#[derive(Deserialize)]
struct CsvSpread {
    expected_annual: f64,
    p10: f64,
    p50: f64,
    p90: f64,
}

/// An answer as a cell: text as is, numbers in their JSON spelling, absent as empty.
pub(super) fn answer_text(v: Option<&Value>) -> String {
    match v {
        None | Some(Value::Null) => String::new(),
        Some(Value::String(s)) => s.clone(),
        Some(other) => other.to_string(),
    }
}

/// The CSV columns, in order.
fn csv_header() -> Vec<String> {
    let mut h: Vec<String> = ["id", "created_at", "rules_version", "status"]
        .map(String::from)
        .into();
    h.extend(ANSWER_KEYS.iter().map(|(k, _)| (*k).to_owned()));
    h.extend(["recommendation", "confidence", "score"].map(String::from));
    h.extend(FACTOR_KEYS.iter().map(|(k, _)| format!("points_{k}")));
    for model in ["break_fix", "managed"] {
        h.extend(["expected", "p10", "p50", "p90"].map(|p| format!("{model}_{p}")));
    }
    h.extend(["break_even_fee_per_user", "tags", "notes"].map(String::from));
    h
}

struct CsvEncoder {
    writer: csv::Writer<Vec<u8>>,
    header_written: bool,
}

impl CsvEncoder {
    fn new() -> Self {
        Self {
            writer: Self::writer(),
            header_written: false,
        }
    }

    fn writer() -> csv::Writer<Vec<u8>> {
        csv::Writer::from_writer(Vec::with_capacity(CHUNK_BYTES + 4096))
    }

    fn header(&mut self) -> anyhow::Result<()> {
        if !self.header_written {
            self.writer.write_record(csv_header())?;
            self.header_written = true;
        }
        Ok(())
    }
}

impl Encoder for CsvEncoder {
    fn row(&mut self, row: ExportRow) -> anyhow::Result<()> {
        self.header()?;
        let r: CsvResult = serde_json::from_str(&row.result)
            .map_err(|e| anyhow::anyhow!("stored result {} does not parse: {e}", row.id))?;
        let mut cells = Vec::with_capacity(48);
        cells.extend([row.id, row.created_at, row.rules_version, row.status]);
        for (key, _) in ANSWER_KEYS {
            let text = answer_text(r.answers.get(key));
            cells.push(if key == "company" {
                defuse(&text)
            } else {
                text
            });
        }
        cells.extend([r.recommendation, r.confidence, r.score.to_string()]);
        for (key, _) in FACTOR_KEYS {
            let points = r
                .factors
                .iter()
                .find(|f| f.key == key)
                .map_or(0.0, |f| f.points);
            cells.push(points.to_string());
        }
        for s in [&r.costs.break_fix, &r.costs.managed] {
            cells.extend([s.expected_annual, s.p10, s.p50, s.p90].map(|v| v.to_string()));
        }
        cells.push(r.costs.break_even_fee_per_user.to_string());
        cells.push(defuse(row.tags.as_deref().unwrap_or_default()));
        cells.push(defuse(row.notes.as_deref().unwrap_or_default()));
        self.writer.write_record(&cells)?;
        Ok(())
    }

    fn finish(&mut self) -> anyhow::Result<()> {
        self.header()
    }

    fn buffered(&self) -> usize {
        self.writer.get_ref().len()
    }

    fn take(&mut self) -> anyhow::Result<Vec<u8>> {
        // The writer keeps a buffer of its own; handing over the bytes means finishing it.
        let full = std::mem::replace(&mut self.writer, Self::writer());
        full.into_inner()
            .map_err(|e| anyhow::anyhow!("csv buffer: {}", e.error()))
    }
}

/// One element of the JSON export.
#[derive(Serialize)]
struct JsonItem {
    #[serde(flatten)]
    assessment: Assessment,
    status: String,
    tags: Vec<String>,
    history: String,
}

#[derive(Default)]
struct JsonEncoder {
    buf: Vec<u8>,
    started: bool,
}

impl Encoder for JsonEncoder {
    fn row(&mut self, row: ExportRow) -> anyhow::Result<()> {
        let outcome: Outcome = serde_json::from_str(&row.result)
            .map_err(|e| anyhow::anyhow!("stored result {} does not parse: {e}", row.id))?;
        let item = JsonItem {
            assessment: Assessment {
                id: row.id,
                created_at: row.created_at,
                outcome,
            },
            status: row.status,
            tags: row
                .tags
                .as_deref()
                .unwrap_or_default()
                .split(';')
                .filter(|t| !t.is_empty())
                .map(str::to_owned)
                .collect(),
            history: row.notes.unwrap_or_default(),
        };
        self.buf.push(if self.started { b',' } else { b'[' });
        self.started = true;
        serde_json::to_writer(&mut self.buf, &item)?;
        self.buf.push(b'\n');
        Ok(())
    }

    fn finish(&mut self) -> anyhow::Result<()> {
        if !self.started {
            self.buf.push(b'[');
            self.started = true;
        }
        self.buf.push(b']');
        Ok(())
    }

    fn buffered(&self) -> usize {
        self.buf.len()
    }

    fn take(&mut self) -> anyhow::Result<Vec<u8>> {
        Ok(std::mem::take(&mut self.buf))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_that_a_spreadsheet_would_run_is_defused() {
        for bad in ["=HYPERLINK(\"x\")", "+1", "-2+3", "@SUM(A1)", "\tx", "\rx"] {
            assert_eq!(defuse(bad), format!("'{bad}"));
        }
        assert_eq!(defuse("Harbour Dental"), "Harbour Dental");
        assert_eq!(defuse(""), "");
    }

    #[test]
    fn the_header_names_every_answer_and_factor() {
        let h = csv_header();
        assert_eq!(h.len(), 4 + 15 + 3 + 12 + 8 + 3);
        assert!(h.contains(&"downtime_cost_per_hour".to_owned()));
        assert!(h.contains(&"points_costs".to_owned()));
        assert_eq!(h.last().map(String::as_str), Some("notes"));
    }

    #[test]
    fn an_empty_json_export_is_an_empty_array() {
        let mut e = JsonEncoder::default();
        e.finish().unwrap();
        assert_eq!(e.take().unwrap(), b"[]");
    }
}
