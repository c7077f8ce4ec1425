//! The owner's right to delete their own result: a private deletion token per assessment,
//! separate from its id, given to the owner once and kept only as its SHA-256.
//!
//! Whoever holds a result's address can read it, embed it and share it; only whoever holds its
//! deletion link can delete it. Deleting removes the row with everything that hangs off it
//! (notes, tags, the review list's row, the search entry: `ON DELETE CASCADE` and triggers),
//! keeps a tombstone so the addresses answer `410 Gone`, and announces `assessment.deleted` to
//! the webhook receiver in the same transaction.

use std::sync::Arc;
use std::time::Duration;

use crate::db::Db;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use sha2::{Digest, Sha256};

use crate::assessment::{is_well_formed_id, new_id, now_rfc3339};
use crate::error::{AppError, Result};
use crate::result_cache::ResultCache;
use crate::{AppState, db, webhooks};

/// The event type of an assessment deleted by its owner.
pub const ASSESSMENT_DELETED: &str = "assessment.deleted";

/// 256 random bits from the operating system, base64url without padding (43 characters).
pub fn new_token() -> Result<String> {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes)
        .map_err(|e| AppError::Internal(anyhow::anyhow!("no randomness: {e}")))?;
    Ok(URL_SAFE_NO_PAD.encode(bytes))
}

/// What is stored of a token.
pub fn hash(token: &str) -> Vec<u8> {
    Sha256::digest(token.as_bytes()).to_vec()
}

/// A token can only be ours if it has the shape `new_token` makes.
pub fn is_well_formed_token(token: &str) -> bool {
    token.len() == 43
        && token
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// The private address that deletes `id`, under `origin` ("https://advice.example.com").
pub fn delete_url(origin: &str, id: &str, token: &str) -> String {
    format!("{origin}/assessments/{id}/delete?token={token}")
}

/// The `201` body of a new assessment: the assessment's JSON with `delete_url` added. Only the
/// creating answer carries it; `GET` answers, embeds and exports never do.
pub fn with_delete_url(json: &str, delete_url: &str) -> Result<String> {
    let body = json
        .strip_suffix('}')
        .ok_or_else(|| AppError::Internal(anyhow::anyhow!("an assessment is a JSON object")))?;
    let url = serde_json::to_string(delete_url).map_err(anyhow::Error::from)?;
    Ok(format!("{body},\"delete_url\":{url}}}"))
}

/// The cookie that carries the token from the form's `303` to the first view of the result,
/// which shows the private link once and clears it. Scoped to the result's own address, kept
/// from scripts, and short-lived: the link is shown on the first view, not kept in the browser.
pub fn first_view_cookie(id: &str, token: &str, secure: bool) -> String {
    format!(
        "{FIRST_VIEW_COOKIE}={token}; Path=/assessments/{id}; Max-Age=900; HttpOnly; SameSite=Lax{}",
        if secure { "; Secure" } else { "" }
    )
}

/// The cookie's name.
pub const FIRST_VIEW_COOKIE: &str = "servicefit_delete";

/// The header that clears the first-view cookie of `id`.
pub fn clear_first_view_cookie(id: &str) -> String {
    format!("{FIRST_VIEW_COOKIE}=; Path=/assessments/{id}; Max-Age=0; HttpOnly; SameSite=Lax")
}

/// The token a first view carries in its cookie, when the request has one of the right shape.
pub fn first_view_token(headers: &axum::http::HeaderMap) -> Option<String> {
    headers
        .get_all(axum::http::header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(name, value)| *name == FIRST_VIEW_COOKIE && is_well_formed_token(value))
        .map(|(_, value)| value.to_owned())
}

/// Whether `token` deletes `id`: `Gone` when it was deleted already, `NotFound` when the id or
/// the token is not one of ours (the answer does not say which).
pub async fn check(state: &AppState, id: &str, token: &str) -> Result<()> {
    if !is_well_formed_id(id) || !is_well_formed_token(token) {
        return Err(AppError::NotFound);
    }
    if db::is_erased(&state.db, id).await? {
        return Err(AppError::Gone);
    }
    if db::token_matches(&state.db, id, &hash(token)).await? {
        Ok(())
    } else {
        Err(AppError::NotFound)
    }
}

/// Deletes `id` when `token` is its deletion token, with its notes, tags, review-list row and
/// search entry, leaves a tombstone, and queues `assessment.deleted` for the webhook receiver,
/// all in one transaction. As [`check`]: `Gone` when it was deleted already, `NotFound` when
/// the id or the token is not ours; `NotDeleted` when the database cannot take writes now.
pub async fn erase(state: &AppState, id: &str, token: &str) -> Result<()> {
    if !is_well_formed_id(id) || !is_well_formed_token(token) {
        return Err(AppError::NotFound);
    }
    let event = if state.webhooks_enabled() {
        Some(deleted_event(id)?)
    } else {
        None
    };
    let announced = event.is_some();
    let erased = db::erase_assessment(&state.db, id, &hash(token), &now_rfc3339(), event)
        .await
        .map_err(|e| {
            if db::is_unavailable(&e) {
                tracing::warn!(error = %e, "deletion not made: the database cannot take writes");
                AppError::NotDeleted {
                    retry_after_secs: crate::error::DB_RETRY_AFTER_SECS,
                }
            } else {
                AppError::Db(e)
            }
        })?;
    match erased {
        db::Erased::Now => {}
        db::Erased::Already => return Err(AppError::Gone),
        db::Erased::NoMatch => return Err(AppError::NotFound),
    }
    state.results.clear();
    if announced {
        state.outbox_wake.notify_one();
    }
    tracing::info!(%id, "assessment deleted at its owner's request");
    Ok(())
}

/// The `assessment.deleted` event of `id`, due now.
pub fn deleted_event(id: &str) -> Result<db::EventRow> {
    Ok(db::EventRow {
        id: format!("msg_{}", new_id()?),
        event_type: ASSESSMENT_DELETED,
        payload: webhooks::deleted_payload(id).map_err(anyhow::Error::from)?,
        due_at_ms: webhooks::now_ms(),
    })
}

/// Tombstone numbers the deletion watcher reads again behind the newest it has seen.
const REREAD: i64 = 1000;

/// How often a server looks for deletions made by another process.
pub const WATCH_EVERY: Duration = Duration::from_secs(2);

/// Forgets the cached rendering of every assessment deleted after tombstone row `last`, by any
/// process (`person erase`, another server on the same database), every `every`, until the task
/// is dropped. Results are cached because they never change; a deletion is the one change.
/// `outbox_wake` is notified after new deletions, so their `assessment.deleted` events (queued
/// by the other process) go out now rather than at the webhook worker's next idle poll.
pub async fn forget_erased(
    pool: Db,
    cache: Arc<ResultCache>,
    outbox_wake: Arc<tokio::sync::Notify>,
    mut last: i64,
    every: Duration,
) {
    let mut tick = tokio::time::interval(every);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    // The tombstones of the reread window already handled: each is forgotten once, since a
    // forget also stops results being rendered at that moment from being cached.
    let mut handled = std::collections::BTreeSet::new();
    loop {
        tick.tick().await;
        // From a little behind the newest seen: on PostgreSQL a tombstone committed late can
        // carry a lower number than one already read.
        let from = last.saturating_sub(REREAD);
        match db::erased_after(&pool, from).await {
            Ok(erased) => {
                let mut fresh = false;
                for (row, id) in erased {
                    if !handled.insert(row) {
                        continue;
                    }
                    cache.forget(&id);
                    fresh = true;
                    last = last.max(row);
                }
                handled = handled.split_off(&from);
                if fresh {
                    outbox_wake.notify_one();
                }
            }
            Err(e) => tracing::warn!(error = %e, "could not read the deletions; will try again"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_created_body_gains_its_delete_url_and_stays_json() {
        let body = with_delete_url(
            r#"{"id":"x","score":1.5}"#,
            "https://a.example/assessments/x/delete?token=t",
        )
        .expect("body");
        let v: serde_json::Value = serde_json::from_str(&body).expect("json");
        assert_eq!(v["id"], "x");
        assert_eq!(
            v["delete_url"],
            "https://a.example/assessments/x/delete?token=t"
        );
    }

    #[test]
    fn tokens_are_long_url_safe_and_differ() {
        let a = new_token().expect("token");
        let b = new_token().expect("token");
        assert!(is_well_formed_token(&a), "{a}");
        assert_ne!(a, b);
        assert_eq!(hash(&a).len(), 32);
        assert_ne!(hash(&a), hash(&b));
        assert!(!is_well_formed_token("short"));
        assert!(!is_well_formed_token(&format!("{}!", &a[..42])));
    }
}
