//! SQL of leads (reports asked for by email, with their consent) and of the mail outbox and its
//! delivery log.

use sqlx::FromRow;

use super::outbox::{self, AttemptOutcome, Due, Outbox};
use super::{Db, EventRow, NewWebhookEvent, Tx, on_pool, on_tx, webhooks};

/// A request for the report by email, ready to store.
pub struct NewLead<'a> {
    pub id: &'a str,
    pub assessment_id: &'a str,
    pub name: &'a str,
    pub email: &'a str,
    pub email_key: &'a str,
    pub consent_text: &'a str,
    pub consent_version: &'a str,
    pub created_at: &'a str,
    pub client_addr: &'a str,
}

/// The email that sends the report, rendered, stored with its lead.
pub struct NewMail<'a> {
    pub id: &'a str,
    pub recipient: &'a str,
    pub subject: &'a str,
    pub text_body: &'a str,
    pub html_body: &'a str,
    /// Unix milliseconds; normally now.
    pub due_at_ms: i64,
}

/// A lead with its email (and its `lead.created` event), owned: what the assessment writer
/// stores with a new assessment when the questionnaire asked for the report by email, and what
/// [`insert_lead`] stores for an existing one.
pub struct LeadRow {
    pub id: String,
    pub assessment_id: String,
    pub name: String,
    pub email: String,
    pub email_key: String,
    pub consent_text: String,
    pub consent_version: String,
    pub created_at: String,
    pub client_addr: String,
    pub mail_id: String,
    pub subject: String,
    pub text_body: String,
    pub html_body: String,
    /// Unix milliseconds; normally now.
    pub due_at_ms: i64,
    pub event: Option<EventRow>,
}

impl LeadRow {
    pub fn lead(&self) -> NewLead<'_> {
        NewLead {
            id: &self.id,
            assessment_id: &self.assessment_id,
            name: &self.name,
            email: &self.email,
            email_key: &self.email_key,
            consent_text: &self.consent_text,
            consent_version: &self.consent_version,
            created_at: &self.created_at,
            client_addr: &self.client_addr,
        }
    }

    pub fn mail(&self) -> NewMail<'_> {
        NewMail {
            id: &self.mail_id,
            recipient: &self.email,
            subject: &self.subject,
            text_body: &self.text_body,
            html_body: &self.html_body,
            due_at_ms: self.due_at_ms,
        }
    }

    /// Writes the lead, its email and its event on `conn`, inside the caller's transaction.
    pub(super) async fn insert_on(&self, tx: &mut Tx<'_>) -> sqlx::Result<()> {
        insert_on(tx, &self.lead(), &self.mail(), self.event.as_ref()).await
    }
}

/// What became of a request to store a lead.
#[derive(Debug, PartialEq, Eq)]
pub enum LeadStored {
    Stored,
    /// The assessment is not (or no longer) stored.
    NoAssessment,
    /// The assessment already has this many leads; nothing was stored.
    LimitReached,
}

/// Stores `lead`, its email and (when webhooks are on) its `lead.created` event in one
/// transaction, unless the assessment already has `max_per_assessment` leads.
pub async fn insert_lead(
    db: &Db,
    lead: &NewLead<'_>,
    mail: &NewMail<'_>,
    event: Option<&EventRow>,
    max_per_assessment: i64,
) -> sqlx::Result<LeadStored> {
    // The count and the insert must see the same leads, so two requests at once cannot both
    // pass the limit: SQLite's writing transaction holds the database's write lock from the
    // start; on PostgreSQL the assessment's row is locked, which queues requests for the same
    // assessment and no others.
    let mut tx = db.begin_write().await?;
    let exists: Option<String> = match &mut tx {
        Tx::Sqlite(conn) => {
            sqlx::query_scalar("SELECT id FROM assessments WHERE id = $1")
                .bind(lead.assessment_id)
                .fetch_optional(&mut **conn)
                .await?
        }
        Tx::Postgres(conn) => {
            sqlx::query_scalar("SELECT id FROM assessments WHERE id = $1 FOR UPDATE")
                .bind(lead.assessment_id)
                .fetch_optional(&mut **conn)
                .await?
        }
    };
    if exists.is_none() {
        return Ok(LeadStored::NoAssessment);
    }
    let count: i64 = on_tx!(&mut tx, conn => sqlx::query_scalar(
        "SELECT count(*) FROM leads WHERE assessment_id = $1",
    )
    .bind(lead.assessment_id)
    .fetch_one(&mut *conn)
    .await?);
    if count >= max_per_assessment {
        return Ok(LeadStored::LimitReached);
    }
    insert_on(&mut tx, lead, mail, event).await?;
    tx.commit().await?;
    Ok(LeadStored::Stored)
}

/// Writes the lead, its email and its event on `conn`, inside the caller's transaction.
async fn insert_on(
    tx: &mut Tx<'_>,
    lead: &NewLead<'_>,
    mail: &NewMail<'_>,
    event: Option<&EventRow>,
) -> sqlx::Result<()> {
    insert_lead_on(tx, lead, mail).await?;
    if let Some(e) = event {
        webhooks::enqueue(
            tx,
            &[NewWebhookEvent {
                id: &e.id,
                event_type: e.event_type,
                payload: &e.payload,
                created_at: lead.created_at,
                due_at_ms: e.due_at_ms,
                assessment_id: Some(lead.assessment_id),
            }],
        )
        .await?;
    }
    Ok(())
}

/// Writes the lead and its email on `conn`, inside the caller's transaction.
async fn insert_lead_on(
    tx: &mut Tx<'_>,
    lead: &NewLead<'_>,
    mail: &NewMail<'_>,
) -> sqlx::Result<()> {
    on_tx!(tx, conn => {
    sqlx::query(
        "INSERT INTO leads (id, assessment_id, name, email, email_key, consent_text,
                            consent_version, created_at, client_addr)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
    )
    .bind(lead.id)
    .bind(lead.assessment_id)
    .bind(lead.name)
    .bind(lead.email)
    .bind(lead.email_key)
    .bind(lead.consent_text)
    .bind(lead.consent_version)
    .bind(lead.created_at)
    .bind(lead.client_addr)
    .execute(&mut *conn)
    .await?;
    sqlx::query(
        "INSERT INTO mail_outbox (id, lead_id, recipient, subject, text_body, html_body,
                                  created_at, next_attempt_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(mail.id)
    .bind(lead.id)
    .bind(mail.recipient)
    .bind(mail.subject)
    .bind(mail.text_body)
    .bind(mail.html_body)
    .bind(lead.created_at)
    .bind(mail.due_at_ms)
    .execute(&mut *conn)
    .await?;
    });
    Ok(())
}

/// A stored lead, as consultants and access requests see it, with what became of its email.
#[derive(Debug, Clone, FromRow, serde::Serialize)]
pub struct Lead {
    pub id: String,
    pub assessment_id: String,
    pub name: String,
    pub email: String,
    pub consent_text: String,
    pub consent_version: String,
    pub created_at: String,
    pub client_addr: String,
    /// When the report went out; `None` while it waits or after it failed.
    pub email_sent_at: Option<String>,
    /// When sending it was given up.
    pub email_failed_at: Option<String>,
}

/// A [`Lead`] query: its columns, then `$tail` (a WHERE and an ORDER BY).
macro_rules! select_leads {
    ($tail:literal) => {
        concat!(
            "SELECT l.id, l.assessment_id, l.name, l.email, l.consent_text, l.consent_version,
                    l.created_at, l.client_addr,
                    m.sent_at AS email_sent_at, m.failed_at AS email_failed_at
             FROM leads l LEFT JOIN mail_outbox m ON m.lead_id = l.id ",
            $tail
        )
    };
}

/// The leads of one assessment, oldest first.
pub async fn leads_of(db: &Db, assessment_id: &str) -> sqlx::Result<Vec<Lead>> {
    on_pool!(db, pool => sqlx::query_as::<_, Lead>(select_leads!(
        "WHERE l.assessment_id = $1 ORDER BY l.created_at, l.id"
    ))
    .bind(assessment_id)
    .fetch_all(pool)
    .await)
}

/// Every lead given with `email_key` (a lower-cased address), oldest first.
pub async fn leads_by_email(db: &Db, email_key: &str) -> sqlx::Result<Vec<Lead>> {
    on_pool!(db, pool => sqlx::query_as::<_, Lead>(select_leads!(
        "WHERE l.email_key = $1 ORDER BY l.created_at, l.id"
    ))
    .bind(email_key)
    .fetch_all(pool)
    .await)
}

/// An email waiting to go, as the mail worker needs it.
#[derive(Debug, FromRow)]
pub struct PendingMail {
    pub id: String,
    pub recipient: String,
    pub subject: String,
    pub text_body: String,
    pub html_body: String,
    pub attempts: i64,
    /// When it became due (unix milliseconds).
    pub next_attempt_at: i64,
}

impl Due for PendingMail {
    fn due(&self) -> (i64, &str) {
        (self.next_attempt_at, &self.id)
    }
}

/// Claims up to `limit` emails due at `now_ms` that no instance holds, until `claim_until_ms`,
/// oldest first ([`outbox::claim_due`]), so no two instances send the same email at once.
pub async fn claim_due_mail(
    db: &Db,
    now_ms: i64,
    claim_until_ms: i64,
    limit: i64,
) -> sqlx::Result<Vec<PendingMail>> {
    outbox::claim_due(
        db,
        Outbox::Mail,
        "id, recipient, subject, text_body, html_body, attempts, next_attempt_at",
        now_ms,
        claim_until_ms,
        limit,
    )
    .await
}

/// When the next waiting email is due (unix milliseconds), if any waits: for an email another
/// instance has claimed, when its claim runs out.
pub async fn next_mail_due(db: &Db) -> sqlx::Result<Option<i64>> {
    outbox::next_due(db, Outbox::Mail).await
}

/// What became of one attempt to hand an email to the SMTP server.
pub struct MailAttempt<'a> {
    pub message_id: &'a str,
    pub attempt: i64,
    pub attempted_at: &'a str,
    pub server: &'a str,
    pub code: Option<u16>,
    pub error: Option<&'a str>,
    pub duration_ms: i64,
    pub next: AttemptOutcome,
}

/// Logs an attempt and moves its outbox row on, in one transaction. An email deleted meanwhile
/// (its assessment erased) leaves nothing behind.
pub async fn record_mail_attempt(db: &Db, a: &MailAttempt<'_>) -> sqlx::Result<()> {
    let mut tx = db.begin().await?;
    let moved = outbox::move_on(
        &mut tx,
        Outbox::Mail,
        a.message_id,
        a.attempt,
        a.attempted_at,
        &a.next,
    )
    .await?;
    on_tx!(&mut tx, conn => {
    if moved {
        sqlx::query(
            "INSERT INTO mail_deliveries
                (message_id, attempt, attempted_at, server, code, error, duration_ms)
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(a.message_id)
        .bind(a.attempt)
        .bind(a.attempted_at)
        .bind(a.server)
        .bind(a.code.map(i64::from))
        .bind(a.error)
        .bind(a.duration_ms)
        .execute(&mut *conn)
        .await?;
    }
    });
    tx.commit().await
}

/// One line of the mail delivery log.
#[derive(Debug, Clone, FromRow)]
pub struct MailDelivery {
    pub message_id: String,
    pub assessment_id: String,
    pub recipient: String,
    pub attempt: i64,
    pub attempted_at: String,
    pub server: String,
    pub code: Option<i64>,
    pub error: Option<String>,
    pub duration_ms: i64,
    /// Set once some attempt for this email succeeded.
    pub sent_at: Option<String>,
    /// Set once sending it was given up.
    pub failed_at: Option<String>,
}

/// The newest `limit` attempts, newest first: the log for consultants.
pub async fn list_mail_deliveries(db: &Db, limit: i64) -> sqlx::Result<Vec<MailDelivery>> {
    on_pool!(db, pool => sqlx::query_as::<_, MailDelivery>(
        "SELECT d.message_id, l.assessment_id, o.recipient, d.attempt, d.attempted_at, d.server,
                d.code, d.error, d.duration_ms, o.sent_at, o.failed_at
         FROM mail_deliveries d
         JOIN mail_outbox o ON o.id = d.message_id
         JOIN leads l ON l.id = o.lead_id
         ORDER BY d.id DESC LIMIT $1",
    )
    .bind(limit)
    .fetch_all(pool)
    .await)
}
