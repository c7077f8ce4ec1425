//! The webhook delivery log: every attempt to push a new assessment to the configured URL.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::State;

use super::display::{When, when};
use crate::AppState;
use crate::auth::Consultant;
use crate::db::{self, WebhookDelivery};
use crate::error::Result;
use crate::views::Chrome;

/// Attempts shown, newest first.
const LOG_SIZE: i64 = 200;

pub struct AttemptRow {
    pub message_id: String,
    pub event_type: String,
    pub attempt: i64,
    pub attempted_at: When,
    pub url: String,
    pub outcome: String,
    pub ok: bool,
    pub duration_ms: i64,
    pub state: &'static str,
}

#[derive(Template, WebTemplate)]
#[template(path = "consultant/webhooks.html")]
pub struct WebhooksPage {
    chrome: Chrome,
    csrf: String,
    configured: bool,
    url: String,
    rows: Vec<AttemptRow>,
}

fn row(d: WebhookDelivery) -> AttemptRow {
    let ok = d.status.is_some_and(|s| (200..300).contains(&s));
    let outcome = match (d.status, &d.error) {
        (Some(s), _) => format!("HTTP {s}"),
        (None, Some(e)) => e.clone(),
        (None, None) => "no answer".to_owned(),
    };
    let state = match (&d.delivered_at, &d.failed_at) {
        (Some(_), _) => "delivered",
        (None, Some(_)) => "gave up",
        (None, None) => "retrying",
    };
    AttemptRow {
        message_id: d.message_id,
        event_type: d.event_type,
        attempt: d.attempt,
        attempted_at: when(&d.attempted_at),
        url: d.url,
        outcome,
        ok,
        duration_ms: d.duration_ms,
        state,
    }
}

pub async fn show(consultant: Consultant, State(state): State<AppState>) -> Result<WebhooksPage> {
    let rows = db::list_webhook_deliveries(&state.db, LOG_SIZE).await?;
    Ok(WebhooksPage {
        chrome: Chrome::product(),
        csrf: consultant.csrf,
        configured: state.config.webhook_url.is_some(),
        url: state
            .config
            .webhook_url
            .as_ref()
            .map(ToString::to_string)
            .unwrap_or_default(),
        rows: rows.into_iter().map(row).collect(),
    })
}
