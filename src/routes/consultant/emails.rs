//! The mail delivery log: every attempt to hand a report email to the SMTP server, beside the
//! webhook log.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::State;

use super::display::{When, when};
use crate::AppState;
use crate::auth::Consultant;
use crate::db::leads::{self, MailDelivery};
use crate::error::Result;
use crate::views::Chrome;

/// Attempts shown, newest first.
const LOG_SIZE: i64 = 200;

pub struct AttemptRow {
    pub assessment_id: String,
    pub recipient: String,
    pub attempt: i64,
    pub attempted_at: When,
    pub server: String,
    /// The server's code and words, or why there was no answer.
    pub outcome: String,
    pub ok: bool,
    pub duration_ms: i64,
    pub state: &'static str,
}

#[derive(Template, WebTemplate)]
#[template(path = "consultant/emails.html")]
pub struct EmailsPage {
    chrome: Chrome,
    csrf: String,
    /// The SMTP server's `host:port` when email is configured.
    server: Option<String>,
    rows: Vec<AttemptRow>,
}

fn row(d: MailDelivery) -> AttemptRow {
    let ok = d.code.is_some_and(|c| (200..300).contains(&c));
    let outcome = match (d.code, d.error) {
        (Some(c), Some(e)) => format!("{c} {e}"),
        (Some(c), None) => c.to_string(),
        (None, Some(e)) => e,
        (None, None) => "no answer".to_owned(),
    };
    let state = match (&d.sent_at, &d.failed_at) {
        (Some(_), _) => "sent",
        (None, Some(_)) => "gave up",
        (None, None) => "retrying",
    };
    AttemptRow {
        assessment_id: d.assessment_id,
        recipient: d.recipient,
        attempt: d.attempt,
        attempted_at: when(&d.attempted_at),
        server: d.server,
        outcome,
        ok,
        duration_ms: d.duration_ms,
        state,
    }
}

pub async fn show(consultant: Consultant, State(state): State<AppState>) -> Result<EmailsPage> {
    let rows = leads::list_mail_deliveries(&state.db, LOG_SIZE).await?;
    Ok(EmailsPage {
        chrome: Chrome::product(),
        csrf: consultant.csrf,
        server: state
            .config
            .smtp_url
            .as_ref()
            .map(|u| u.server().to_owned()),
        rows: rows.into_iter().map(row).collect(),
    })
}
