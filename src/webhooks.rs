//! Signed webhooks: every new assessment is announced to `--webhook-url`, from a durable outbox,
//! signed the Standard Webhooks way (<https://www.standardwebhooks.com/>), retried with
//! exponential back-off until the receiver answers 2xx or the attempts run out.
//!
//! Durability: the event row is written in the same transaction as the assessment
//! ([`db::GroupCommit::insert`]), so a crash after the client's acknowledgement cannot
//! lose it; a row is only marked delivered after a 2xx, so a crash mid-delivery sends it again
//! with the same `webhook-id` (at least once; receivers drop duplicates by that id).

use std::future::Future;
use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::db::Db;
use base64::Engine;
use base64::engine::general_purpose::STANDARD as BASE64;
use hmac::{Hmac, KeyInit, Mac};
use serde::Serialize;
use sha2::Sha256;
use tokio::sync::Notify;

use crate::assessment::Assessment;
use crate::config::Config;
use crate::db::{self, AttemptOutcome, PendingWebhook, WebhookAttempt};

/// The event type of a new assessment.
pub const ASSESSMENT_CREATED: &str = "assessment.created";
/// After this many failed attempts an event is given up (about ten hours of retrying).
const MAX_ATTEMPTS: i64 = 20;
/// The longest wait between two attempts (webhooks and report emails alike).
pub(crate) const MAX_BACKOFF: Duration = Duration::from_secs(3600);
/// How long a receiver may take to answer.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(10);
/// The workers look at their outbox at least this often, even when nothing woke them.
const IDLE_POLL: Duration = Duration::from_secs(30);
/// Events handled per look at the outbox.
const BATCH: i64 = 16;
/// How long an instance holds the events (or emails) it claimed: a batch of [`BATCH`] at
/// [`REQUEST_TIMEOUT`] each fits well within it. An instance that dies holding a claim delays
/// those rows by at most this much; another instance then sends them.
pub(crate) const CLAIM_MS: i64 = 5 * 60 * 1000;

/// Where and how to deliver, from the configuration; `None` when webhooks are off.
#[derive(Clone)]
pub struct Settings {
    pub url: reqwest::Url,
    key: Vec<u8>,
    backoff: Duration,
}

impl Settings {
    pub fn from_config(config: &Config) -> Option<Self> {
        let url = config.webhook_url.clone()?;
        let secret = config.webhook_secret.as_ref()?.expose();
        // Standard Webhooks secrets are `whsec_` + base64 of the key; anything else is the key.
        let key = secret
            .strip_prefix("whsec_")
            .and_then(|b64| BASE64.decode(b64).ok())
            .unwrap_or_else(|| secret.as_bytes().to_vec());
        Some(Self {
            url,
            key,
            backoff: Duration::from_millis(config.webhook_backoff_ms.max(1)),
        })
    }
}

/// `v1,` + base64 of HMAC-SHA256 over `{id}.{timestamp}.{body}`: the `webhook-signature` value.
pub fn sign(key: &[u8], id: &str, timestamp: i64, body: &str) -> String {
    let mut mac =
        <Hmac<Sha256> as KeyInit>::new_from_slice(key).expect("HMAC takes a key of any length");
    mac.update(format!("{id}.{timestamp}.").as_bytes());
    mac.update(body.as_bytes());
    format!("v1,{}", BASE64.encode(mac.finalize().into_bytes()))
}

#[derive(Serialize)]
struct Payload<'a> {
    #[serde(rename = "type")]
    kind: &'a str,
    timestamp: &'a str,
    data: &'a Assessment,
}

/// The body announcing a new assessment: `{"type", "timestamp", "data": <the assessment>}`.
pub fn assessment_payload(a: &Assessment) -> serde_json::Result<String> {
    serde_json::to_string(&Payload {
        kind: ASSESSMENT_CREATED,
        timestamp: &a.created_at,
        data: a,
    })
}

#[derive(Serialize)]
struct Deleted<'a> {
    id: &'a str,
}

/// The body announcing an assessment its owner deleted: `{"type", "timestamp", "data": {"id"}}`.
/// Nothing else of it is sent: it no longer exists.
pub fn deleted_payload(id: &str) -> serde_json::Result<String> {
    #[derive(Serialize)]
    struct Body<'a> {
        #[serde(rename = "type")]
        kind: &'a str,
        timestamp: &'a str,
        data: Deleted<'a>,
    }
    serde_json::to_string(&Body {
        kind: crate::erasure::ASSESSMENT_DELETED,
        timestamp: &crate::assessment::now_rfc3339(),
        data: Deleted { id },
    })
}

/// The body announcing a new lead: `{"type": "lead.created", "timestamp", "data": <the lead>}`,
/// with its consent record as given.
pub fn lead_payload(lead: &crate::db::leads::NewLead<'_>) -> serde_json::Result<String> {
    #[derive(Serialize)]
    struct Lead<'a> {
        id: &'a str,
        assessment_id: &'a str,
        name: &'a str,
        email: &'a str,
        consent_text: &'a str,
        consent_version: &'a str,
        created_at: &'a str,
        client_addr: &'a str,
    }
    #[derive(Serialize)]
    struct Body<'a> {
        #[serde(rename = "type")]
        kind: &'a str,
        timestamp: &'a str,
        data: Lead<'a>,
    }
    serde_json::to_string(&Body {
        kind: crate::report::LEAD_CREATED,
        timestamp: lead.created_at,
        data: Lead {
            id: lead.id,
            assessment_id: lead.assessment_id,
            name: lead.name,
            email: lead.email,
            consent_text: lead.consent_text,
            consent_version: lead.consent_version,
            created_at: lead.created_at,
            client_addr: lead.client_addr,
        },
    })
}

/// The wait before attempt `attempts + 1`, after `attempts` failures: base × 2^(attempts − 1),
/// capped at [`MAX_BACKOFF`]. The webhook and mail workers both retry by it.
pub(crate) fn backoff(base: Duration, attempts: i64) -> Duration {
    let exp = u32::try_from(attempts.saturating_sub(1).clamp(0, 30)).unwrap_or(30);
    base.saturating_mul(2u32.saturating_pow(exp))
        .min(MAX_BACKOFF)
}

/// How long an outbox worker sleeps when the next pending row is due at `next_due` (unix
/// milliseconds; `None` when nothing is pending or the outbox could not be read).
pub(crate) fn idle_wait(next_due: Option<i64>) -> Duration {
    next_due.map_or(IDLE_POLL, |due| {
        Duration::from_millis(u64::try_from(due - now_ms()).unwrap_or(0)).min(IDLE_POLL)
    })
}

pub(crate) fn now_ms() -> i64 {
    i64::try_from(time::OffsetDateTime::now_utc().unix_timestamp_nanos() / 1_000_000)
        .unwrap_or(i64::MAX)
}

/// Delivers due events until `stop` resolves. `wake` is notified when an event is enqueued, so
/// delivery starts at once instead of at the next poll.
pub async fn run(pool: Db, settings: Settings, wake: Arc<Notify>, stop: impl Future<Output = ()>) {
    crate::install_tls_provider();
    let client = match reqwest::Client::builder()
        .timeout(REQUEST_TIMEOUT)
        .user_agent(concat!("servicefit-webhooks/", env!("CARGO_PKG_VERSION")))
        .redirect(reqwest::redirect::Policy::none())
        .build()
    {
        Ok(c) => c,
        Err(e) => {
            tracing::error!(error = %e, "webhook client could not be built; webhooks are off");
            return;
        }
    };
    tokio::pin!(stop);
    tracing::info!(url = %settings.url, "webhook delivery started");
    loop {
        match db::claim_due_webhooks(&pool, now_ms(), now_ms() + CLAIM_MS, BATCH).await {
            Ok(batch) => {
                for message in &batch {
                    deliver(&client, &pool, &settings, message).await;
                }
            }
            Err(e) => tracing::warn!(error = %e, "reading the webhook outbox failed"),
        }
        let wait = idle_wait(db::next_webhook_due(&pool).await.ok().flatten());
        tokio::select! {
            () = &mut stop => break,
            () = wake.notified() => {}
            () = tokio::time::sleep(wait) => {}
        }
    }
    tracing::info!("webhook delivery stopped");
}

#[tracing::instrument(skip_all, fields(webhook_id = %message.id))]
async fn deliver(
    client: &reqwest::Client,
    pool: &Db,
    settings: &Settings,
    message: &PendingWebhook,
) {
    // The batch was read a while ago (a slow receiver can take seconds per event): an event
    // erased with its assessment since then must not go out.
    match db::webhook_still_pending(pool, &message.id).await {
        Ok(true) => {}
        Ok(false) => return,
        Err(e) => {
            tracing::warn!(error = %e, "reading the webhook outbox failed; will try again");
            return;
        }
    }
    let attempt = message.attempts + 1;
    let timestamp = time::OffsetDateTime::now_utc().unix_timestamp();
    let started = Instant::now();
    let result = client
        .post(settings.url.clone())
        .header("content-type", "application/json")
        .header("webhook-id", &message.id)
        .header("webhook-timestamp", timestamp.to_string())
        .header(
            "webhook-signature",
            sign(&settings.key, &message.id, timestamp, &message.payload),
        )
        .body(message.payload.clone())
        .send()
        .await;
    let duration_ms = i64::try_from(started.elapsed().as_millis()).unwrap_or(i64::MAX);
    let (status, error) = match &result {
        Ok(res) => (Some(res.status().as_u16()), None),
        Err(e) => (None, Some(failure_reason(e))),
    };
    let delivered = status.is_some_and(|s| (200..300).contains(&s));
    let next = if delivered {
        AttemptOutcome::Delivered
    } else if attempt >= MAX_ATTEMPTS {
        AttemptOutcome::GaveUp
    } else {
        let wait = backoff(settings.backoff, attempt);
        AttemptOutcome::RetryAt(now_ms() + i64::try_from(wait.as_millis()).unwrap_or(i64::MAX))
    };
    match &next {
        AttemptOutcome::Delivered => tracing::info!(attempt, "webhook delivered"),
        AttemptOutcome::GaveUp => tracing::error!(attempt, ?status, "webhook given up"),
        AttemptOutcome::RetryAt(_) => {
            tracing::warn!(attempt, ?status, "webhook failed; will retry")
        }
    }
    let record = WebhookAttempt {
        message_id: &message.id,
        attempt,
        attempted_at: &crate::assessment::now_rfc3339(),
        url: settings.url.as_str(),
        status,
        error: error.as_deref(),
        duration_ms,
        next,
    };
    if let Err(e) = db::record_webhook_attempt(pool, &record).await {
        // The row stays due, so the event is sent again: at least once, never lost.
        tracing::error!(error = %e, "recording a webhook attempt failed");
    }
}

/// A short reason for the log, without the payload.
fn failure_reason(e: &reqwest::Error) -> String {
    let kind = if e.is_timeout() {
        "timed out"
    } else if e.is_connect() {
        "could not connect"
    } else {
        "request failed"
    };
    kind.to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signature_matches_the_standard_webhooks_example() {
        // The example from the Standard Webhooks specification.
        let key = BASE64
            .decode("MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")
            .expect("base64");
        let sig = sign(
            &key,
            "msg_p5jXN8AQM9LWM0D4loKWxJek",
            1614265330,
            r#"{"test": 2432232314}"#,
        );
        assert_eq!(sig, "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=");
    }

    #[test]
    fn back_off_doubles_up_to_an_hour() {
        let base = Duration::from_secs(1);
        assert_eq!(backoff(base, 1), Duration::from_secs(1));
        assert_eq!(backoff(base, 2), Duration::from_secs(2));
        assert_eq!(backoff(base, 5), Duration::from_secs(16));
        assert_eq!(backoff(base, 19), MAX_BACKOFF);
    }
}
