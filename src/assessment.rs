//! Creating and loading stored assessments: the one path both the form and the API take.

use std::num::NonZeroUsize;
use std::sync::LazyLock;

use serde::Serialize;
use tokio::sync::Semaphore;

use crate::error::{AppError, Result};
use crate::rules::{Answers, Outcome, assess};
use crate::{AppState, db, webhooks};

/// A stored assessment as the contract shows it: id, time and the outcome's fields.
#[derive(Debug, Clone, Serialize, serde::Deserialize, utoipa::ToSchema)]
pub struct Assessment {
    pub id: String,
    pub created_at: String,
    #[serde(flatten)]
    pub outcome: Outcome,
}

/// 128 random bits from the operating system, base64url without padding (22 characters).
pub fn new_id() -> Result<String> {
    use base64::Engine;
    let mut bytes = [0u8; 16];
    getrandom::fill(&mut bytes)
        .map_err(|e| AppError::Internal(anyhow::anyhow!("no randomness: {e}")))?;
    Ok(base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes))
}

/// An id can only be ours if it has the shape `new_id` makes; anything else is not looked up.
pub fn is_well_formed_id(id: &str) -> bool {
    id.len() == 22
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// A new stored assessment: its id and its contract JSON, made from the stored result text so
/// the outcome is serialised once per submission.
#[derive(Debug)]
pub struct Created {
    pub id: String,
    /// The assessment as the API shows it, byte for byte what serialising it gives.
    pub json: String,
    /// True when a retry key found an assessment made earlier: nothing new was stored.
    pub replayed: bool,
    /// The owner's private deletion token, given once (a replay gets a fresh one).
    pub delete_token: String,
}

/// The JSON of an [`Assessment`] from its id, time and the outcome's JSON object: what
/// `#[serde(flatten)]` writes, without serialising the outcome again.
fn assessment_json(id: &str, created_at: &str, outcome_json: &str) -> Result<String> {
    let fields = outcome_json
        .strip_prefix('{')
        .filter(|rest| rest.len() > 1)
        .ok_or_else(|| AppError::Internal(anyhow::anyhow!("an outcome is a non-empty object")))?;
    let quoted = |text: &str| serde_json::to_string(text).map_err(anyhow::Error::from);
    Ok(format!(
        "{{\"id\":{},\"created_at\":{},{fields}",
        quoted(id)?,
        quoted(created_at)?
    ))
}

/// RFC 3339 UTC with milliseconds and a fixed width, so text order is time order even for
/// assessments made within the same second.
pub fn now_rfc3339() -> String {
    timestamp(time::OffsetDateTime::now_utc())
}

/// `at` in the format of [`now_rfc3339`].
pub fn timestamp(at: time::OffsetDateTime) -> String {
    let format = time::macros::format_description!(
        "[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:3]Z"
    );
    at.format(&format)
        .unwrap_or_else(|_| at.unix_timestamp().to_string())
}

/// A key that makes a retried submission return the assessment the first one made: an API
/// client's `Idempotency-Key`, or a questionnaire form's one-time token.
pub struct RetryKey {
    pub key: String,
    /// SHA-256 of the request body.
    pub body_hash: Vec<u8>,
}

/// How long a retry key counts.
const KEY_LIFETIME: time::Duration = time::Duration::hours(24);

impl RetryKey {
    pub fn new(key: String, body: &[u8]) -> Self {
        use sha2::Digest;
        RetryKey {
            key,
            body_hash: sha2::Sha256::digest(body).to_vec(),
        }
    }
}

impl RetryKey {
    /// The key of a questionnaire form: its one-time token with the hash of what was sent, so
    /// that the same form sent again finds its assessment, and the same form with changed
    /// answers (back, change, submit) makes a new one.
    pub fn for_form(token: &str, body: &[u8]) -> Self {
        let mut key = Self::new(String::new(), body);
        let hash: String = key.body_hash[..16]
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        key.key = format!("form:{token}:{hash}");
        key
    }
}

/// Creation times before this belong to retry keys that no longer count.
pub fn key_cutoff() -> String {
    timestamp(time::OffsetDateTime::now_utc() - KEY_LIFETIME)
}

/// Scores the answers under the current rules and stores the result, flagged with the reason
/// when the submission looked automated. Returns once the row is committed (and, with
/// `synchronous=FULL`, on disk); concurrent submissions share a commit.
///
/// With a retry key that already made an assessment from the same body, that assessment is
/// returned and nothing new is stored; the same key with another body is refused.
pub async fn create(
    state: &AppState,
    answers: &Answers,
    flagged: Option<&str>,
    key: Option<RetryKey>,
    lead: Option<(&crate::report::Contact, crate::client_addr::ClientAddr)>,
) -> Result<Created> {
    if let Some(key) = &key
        && let Some(made) = made_with(state, key).await?
    {
        return Ok(made);
    }
    let outcome = score(state, answers).await?;
    let delete_token = crate::erasure::new_token()?;
    let assessment = Assessment {
        id: new_id()?,
        created_at: now_rfc3339(),
        outcome,
    };
    let outcome = &assessment.outcome;
    let result_json = serde_json::to_string(outcome).map_err(anyhow::Error::from)?;
    let json = assessment_json(&assessment.id, &assessment.created_at, &result_json)?;
    let row = db::AssessmentRow {
        id: assessment.id.clone(),
        created_at: assessment.created_at.clone(),
        rules_version: outcome.rules_version.clone(),
        company: answers.company.clone(),
        employees: i64::from(answers.employees),
        recommendation: outcome.recommendation.code(),
        confidence: outcome.confidence.code(),
        score: outcome.score,
        answers_json: serde_json::to_string(answers).map_err(anyhow::Error::from)?,
        result_json,
        flagged: flagged.map(str::to_owned),
        delete_token_hash: crate::erasure::hash(&delete_token),
    };
    let event = if state.webhooks_enabled() {
        Some(db::EventRow {
            id: format!("msg_{}", new_id()?),
            event_type: webhooks::ASSESSMENT_CREATED,
            payload: webhooks::assessment_payload(&assessment).map_err(anyhow::Error::from)?,
            due_at_ms: webhooks::now_ms(),
        })
    } else {
        None
    };
    let key_row = key.as_ref().map(|key| db::KeyRow {
        key: key.key.clone(),
        body_hash: key.body_hash.clone(),
        expired_before: key_cutoff(),
    });
    let announced = event.is_some();
    let lead = lead
        .map(|(contact, client)| crate::report::lead_row(state, &assessment, contact, client))
        .transpose()?;
    let lead_note = lead.as_ref().map(|l| (l.id.clone(), l.event.is_some()));
    match state.writer.insert(row, event, key_row, lead).await {
        Ok(()) => {}
        Err(db::WriteError::KeyTaken) => {
            // Another request with the same key was committed first.
            let made = match &key {
                Some(key) => made_with(state, key).await?,
                None => None,
            };
            return made.ok_or(AppError::Unavailable {
                retry_after_secs: RETRY_AFTER_SECS,
            });
        }
        Err(db::WriteError::Unavailable(reason)) => {
            tracing::warn!(%reason, "assessment not stored: the database cannot take writes");
            return Err(AppError::Unavailable {
                retry_after_secs: RETRY_AFTER_SECS,
            });
        }
        Err(db::WriteError::Refused(e)) => return Err(AppError::Db(e)),
    }
    if announced {
        state.outbox_wake.notify_one();
    }
    if let Some((lead_id, lead_announced)) = lead_note {
        crate::report::stored_lead(state, &assessment.id, &lead_id, lead_announced);
    }
    let id = &assessment.id;
    crate::telemetry::assessment_created(outcome.recommendation.code());
    match flagged {
        Some(reason) => {
            tracing::info!(%id, recommendation = outcome.recommendation.code(), flagged = reason, "assessment stored, flagged")
        }
        None => {
            tracing::info!(%id, recommendation = outcome.recommendation.code(), "assessment stored")
        }
    }
    Ok(Created {
        id: assessment.id,
        json,
        replayed: false,
        delete_token,
    })
}

/// Seconds a client is asked to wait when the database cannot take the submission.
const RETRY_AFTER_SECS: u64 = 5;

/// The assessment `key` made, when it made one from the same body; an error when it was used
/// with another body.
async fn made_with(state: &AppState, key: &RetryKey) -> Result<Option<Created>> {
    let Some(stored) = db::find_key(&state.db, &key.key, &key_cutoff()).await? else {
        return Ok(None);
    };
    if stored.body_hash != key.body_hash {
        return Err(AppError::KeyReused);
    }
    let json = load_json(state, &stored.assessment_id).await?;
    // Only the token's hash is kept, and the first answer (with the token) may never have
    // reached the client: the replay carries a fresh token, which replaces the old one.
    let delete_token = crate::erasure::new_token()?;
    db::set_delete_token(
        &state.db,
        &stored.assessment_id,
        &crate::erasure::hash(&delete_token),
    )
    .await?;
    Ok(Some(Created {
        id: stored.assessment_id,
        json,
        replayed: true,
        delete_token,
    }))
}

/// Scorings running at once: one per core. More would only share the same cores, and each
/// thread keeps its own simulation buffers.
static SCORERS: LazyLock<Semaphore> = LazyLock::new(|| {
    Semaphore::new(std::thread::available_parallelism().map_or(2, NonZeroUsize::get))
});

/// Scoring is about a millisecond of pure CPU work. On the blocking pool it does not hold up
/// the requests queued behind it on an async worker (a page read waits for a time slice, not
/// for every scoring ahead of it).
async fn score(state: &AppState, answers: &Answers) -> Result<Outcome> {
    let _permit = SCORERS
        .acquire()
        .await
        .map_err(|e| AppError::Internal(e.into()))?;
    let (answers, rules) = (answers.clone(), state.rules.clone());
    tokio::task::spawn_blocking(move || assess(&answers, &rules))
        .await
        .map_err(|e| AppError::Internal(e.into()))
}

/// The stored row of `id`; `NotFound` for an id that is not ours or not there.
async fn find(state: &AppState, id: &str) -> Result<db::StoredAssessment> {
    if !is_well_formed_id(id) {
        return Err(AppError::NotFound);
    }
    match db::find_assessment(&state.db, id).await? {
        Some(row) => Ok(row),
        None if db::is_erased(&state.db, id).await? => Err(AppError::Gone),
        None => Err(AppError::NotFound),
    }
}

/// Loads a stored assessment exactly as it was given.
pub async fn load(state: &AppState, id: &str) -> Result<Assessment> {
    let row = find(state, id).await?;
    let outcome: Outcome = serde_json::from_str(&row.result).map_err(|e| {
        AppError::Internal(anyhow::anyhow!("stored result {id} does not parse: {e}"))
    })?;
    Ok(Assessment {
        id: row.id,
        created_at: row.created_at,
        outcome,
    })
}

/// A stored assessment's contract JSON, made from the result text stored when it was created:
/// the same bytes the creating request was answered with, however numbers would print today.
pub async fn load_json(state: &AppState, id: &str) -> Result<String> {
    stored_json(&find(state, id).await?)
}

/// The contract JSON of a stored row, as [`load_json`] gives it.
pub fn stored_json(row: &db::StoredAssessment) -> Result<String> {
    assessment_json(&row.id, &row.created_at, &row.result)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_22_url_safe_characters_and_differ() {
        let a = new_id().expect("id");
        let b = new_id().expect("id");
        assert!(is_well_formed_id(&a));
        assert_ne!(a, b);
    }

    #[test]
    fn the_spliced_json_is_what_serialising_the_assessment_gives() {
        let rules = crate::rules::RuleSet::embedded();
        let raw = crate::rules::fixtures::form(&Answers {
            company: Some("Quote \" & <Co> \\ é".to_owned()),
            employees: 25,
            security: crate::rules::answers::Security::Sensitive,
            ..crate::rules::fixtures::dental_practice()
        });
        let answers = Answers::parse(&raw).expect("answers");
        let assessment = Assessment {
            id: new_id().expect("id"),
            created_at: now_rfc3339(),
            outcome: assess(&answers, &rules),
        };
        let outcome_json = serde_json::to_string(&assessment.outcome).expect("outcome");
        let spliced =
            assessment_json(&assessment.id, &assessment.created_at, &outcome_json).expect("splice");
        assert_eq!(spliced, serde_json::to_string(&assessment).expect("whole"));
    }

    #[test]
    fn path_tricks_are_not_ids() {
        for bad in [
            "",
            "../../etc/passwd",
            "aaaaaaaaaaaaaaaaaaaaa/",
            "a'; DROP TABLE x;--aaaa",
            "aaaaaaaaaaaaaaaaaaaaaaa",
        ] {
            assert!(!is_well_formed_id(bad), "{bad}");
        }
    }
}
