//! Sending the report by email over SMTP, from a durable outbox.
//!
//! Durability, as with webhooks: the email is rendered and written to `mail_outbox` in the same
//! transaction as the lead that asked for it ([`db::leads::insert_lead`]), so a request answered
//! `202`/`303` always has its email. A worker hands due emails to the SMTP server; a row is
//! marked sent only after the server's `250`, so a crash in between sends it again with the same
//! `Message-ID` (at least once). A refusal that may pass (a `4xx`, no connection, a timeout) is
//! retried with back-off doubling up to an hour; a `5xx` (the address does not exist, the
//! message is refused) gives up at once, as another try would get the same answer.

use std::future::Future;
use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::db::Db;
use lettre::message::{Mailbox, MultiPart};
use lettre::transport::smtp::Error as SmtpError;
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use tokio::sync::Notify;

use crate::config::{Config, SmtpUrl};
use crate::db::AttemptOutcome;
use crate::db::leads::{self, MailAttempt, PendingMail};
use crate::webhooks::{backoff, idle_wait, now_ms};

/// After this many failed attempts an email is given up (about ten hours of retrying).
const MAX_ATTEMPTS: i64 = 20;
/// How long the SMTP server may take to answer one command.
const SMTP_TIMEOUT: Duration = Duration::from_secs(20);
/// How long an instance holds the emails it claimed: a batch of [`BATCH`], each allowed three
/// SMTP commands' worth of [`SMTP_TIMEOUT`]. An instance that dies holding a claim delays those
/// emails by at most this much; another instance then sends them.
const CLAIM_MS: i64 = BATCH * 3 * SMTP_TIMEOUT.as_millis() as i64;
/// Emails handled per look at the outbox.
const BATCH: i64 = 16;

/// Where and as whom to send, from the configuration; `None` when email is off.
#[derive(Clone)]
pub struct Settings {
    pub url: SmtpUrl,
    pub from: Mailbox,
    backoff: Duration,
}

impl Settings {
    pub fn from_config(config: &Config) -> Option<Self> {
        Some(Self {
            url: config.smtp_url.clone()?,
            from: config.mail_from.clone()?,
            backoff: Duration::from_millis(config.mail_backoff_ms.max(1)),
        })
    }
}

/// The domain of `Message-ID`s: the sender's, so they are unique to this deployment.
fn message_id(settings: &Settings, id: &str) -> String {
    format!("<{id}@{}>", settings.from.email.domain())
}

/// The message for `mail`: plain text and HTML alternatives, no remote images.
pub fn message(settings: &Settings, mail: &PendingMail) -> anyhow::Result<Message> {
    let to: Mailbox = mail.recipient.parse()?;
    Ok(Message::builder()
        .from(settings.from.clone())
        .to(to)
        .subject(&mail.subject)
        .message_id(Some(message_id(settings, &mail.id)))
        .date_now()
        .multipart(MultiPart::alternative_plain_html(
            mail.text_body.clone(),
            mail.html_body.clone(),
        ))?)
}

/// Sends due emails until `stop` resolves. `wake` is notified when an email is queued, so
/// sending starts at once instead of at the next poll.
pub async fn run(pool: Db, settings: Settings, wake: Arc<Notify>, stop: impl Future<Output = ()>) {
    crate::install_tls_provider();
    let transport = match AsyncSmtpTransport::<Tokio1Executor>::from_url(settings.url.expose()) {
        Ok(builder) => builder.timeout(Some(SMTP_TIMEOUT)).build(),
        Err(e) => {
            // Checked at start, so this is not expected.
            tracing::error!(error = %e, "the SMTP address is not usable; email is off");
            return;
        }
    };
    tokio::pin!(stop);
    tracing::info!(server = %settings.url.server(), "email sending started");
    loop {
        match leads::claim_due_mail(&pool, now_ms(), now_ms() + CLAIM_MS, BATCH).await {
            Ok(batch) => {
                for mail in &batch {
                    send(&transport, &pool, &settings, mail).await;
                }
            }
            Err(e) => tracing::warn!(error = %e, "reading the mail outbox failed"),
        }
        let wait = idle_wait(leads::next_mail_due(&pool).await.ok().flatten());
        tokio::select! {
            () = &mut stop => break,
            () = wake.notified() => {}
            () = tokio::time::sleep(wait) => {}
        }
    }
    tracing::info!("email sending stopped");
}

/// What the SMTP server's answer means for the email.
struct Answer {
    code: Option<u16>,
    error: Option<String>,
    /// Sending again cannot help.
    permanent: bool,
}

#[tracing::instrument(skip_all, fields(mail_id = %mail.id))]
async fn send(
    transport: &AsyncSmtpTransport<Tokio1Executor>,
    pool: &Db,
    settings: &Settings,
    mail: &PendingMail,
) {
    let attempt = mail.attempts + 1;
    let started = Instant::now();
    let answer = match message(settings, mail) {
        Ok(message) => match transport.send(message).await {
            Ok(response) => Answer {
                code: Some(u16::from(response.code())),
                error: None,
                permanent: false,
            },
            Err(e) => refusal(&e),
        },
        // Addresses are checked before they are stored, so this is a bug; retrying cannot fix it.
        Err(e) => Answer {
            code: None,
            error: Some(format!("the message could not be built: {e}")),
            permanent: true,
        },
    };
    let duration_ms = i64::try_from(started.elapsed().as_millis()).unwrap_or(i64::MAX);
    let next = if answer.error.is_none() {
        AttemptOutcome::Delivered
    } else if answer.permanent || attempt >= MAX_ATTEMPTS {
        AttemptOutcome::GaveUp
    } else {
        let wait = backoff(settings.backoff, attempt);
        AttemptOutcome::RetryAt(now_ms() + i64::try_from(wait.as_millis()).unwrap_or(i64::MAX))
    };
    match &next {
        AttemptOutcome::Delivered => tracing::info!(attempt, "report email sent"),
        AttemptOutcome::GaveUp => {
            tracing::error!(attempt, code = ?answer.code, error = ?answer.error, "report email given up")
        }
        AttemptOutcome::RetryAt(_) => {
            tracing::warn!(attempt, code = ?answer.code, error = ?answer.error, "report email not accepted; will retry")
        }
    }
    let record = MailAttempt {
        message_id: &mail.id,
        attempt,
        attempted_at: &crate::assessment::now_rfc3339(),
        server: settings.url.server(),
        code: answer.code,
        error: answer.error.as_deref(),
        duration_ms,
        next,
    };
    if let Err(e) = leads::record_mail_attempt(pool, &record).await {
        // The row stays due, so the email is sent again: at least once, never lost.
        tracing::error!(error = %e, "recording a mail attempt failed");
    }
}

/// A short reason for the log: the server's code and first words, or why it did not answer.
/// Never the message or the address.
fn refusal(e: &SmtpError) -> Answer {
    let code = e.status().map(u16::from);
    let reason = if e.is_timeout() {
        "timed out".to_owned()
    } else if let Some(code) = code {
        // lettre's Display is "permanent error (550): words"; keep it short.
        let text = e.to_string();
        let words: String = text.chars().take(200).collect();
        if words.is_empty() {
            format!("refused ({code})")
        } else {
            words
        }
    } else if e.is_tls() {
        "TLS failed".to_owned()
    } else {
        "could not connect".to_owned()
    };
    Answer {
        code,
        error: Some(reason),
        permanent: e.is_permanent(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::webhooks::MAX_BACKOFF;

    #[test]
    fn back_off_doubles_up_to_an_hour() {
        let base = Duration::from_secs(2);
        assert_eq!(backoff(base, 1), Duration::from_secs(2));
        assert_eq!(backoff(base, 2), Duration::from_secs(4));
        assert_eq!(backoff(base, 6), Duration::from_secs(64));
        assert_eq!(backoff(base, 19), MAX_BACKOFF);
    }
}
