//! A person's requests to the firm, by email address: a copy of everything kept about them
//! (`servicefit person export`) and its deletion (`servicefit person erase`).
//!
//! A person is found by the leads they left (the report asked for by email): every assessment
//! carrying a lead with their address is theirs to read and to erase. Both work on the live
//! database while the server runs; running servers notice the deletion through its tombstones
//! (see [`crate::erasure::forget_erased`]).

use crate::db::Db;
use serde::Serialize;

use crate::assessment::now_rfc3339;
use crate::db::{self, leads::Lead};
use crate::error::{AppError, Result};

/// Everything kept about one address, shaped for the person who asked for it.
#[derive(Debug, Serialize)]
pub struct PersonExport {
    /// The address as it is matched: trimmed and lower-cased.
    pub email: String,
    pub exported_at: String,
    pub assessments: Vec<ExportedAssessment>,
    /// Every report asked for with this address, with the consent given and what became of
    /// the email.
    pub leads: Vec<Lead>,
}

/// An assessment a lead of the person belongs to.
#[derive(Debug, Serialize)]
pub struct ExportedAssessment {
    /// As the API gives it (`GET /api/v1/assessments/{id}`): answers, company name, result.
    pub assessment: serde_json::Value,
    /// The firm's tags on it.
    pub tags: Vec<String>,
    /// The firm's notes on it and its status changes, oldest first.
    pub notes: Vec<ExportedNote>,
}

/// A consultant's note, or a status change, on the person's assessment.
#[derive(Debug, Serialize)]
pub struct ExportedNote {
    pub created_at: String,
    pub author: String,
    /// `note` or `status`.
    pub kind: String,
    pub body: String,
}

/// The key leads are found by: the address trimmed and lower-cased, when it is one.
pub fn email_key(address: &str) -> Result<String> {
    crate::auth::normalise_email(address)
        .ok_or_else(|| AppError::BadRequest("that is not an email address".to_owned()))
}

/// Every lead carrying `email_key` and every assessment they belong to, with its notes and tags.
pub async fn export(pool: &Db, email_key: &str) -> Result<PersonExport> {
    let leads = db::leads::leads_by_email(pool, email_key).await?;
    let mut ids: Vec<&str> = leads.iter().map(|l| l.assessment_id.as_str()).collect();
    ids.sort_unstable();
    ids.dedup();
    let mut assessments = Vec::with_capacity(ids.len());
    for id in ids {
        // Erased between the two reads: nothing of it is kept, so nothing to show.
        let Some(row) = db::find_assessment(pool, id).await? else {
            continue;
        };
        let json = crate::assessment::stored_json(&row)?;
        let assessment = serde_json::from_str(&json).map_err(anyhow::Error::from)?;
        let notes = db::review::notes(pool, id)
            .await?
            .into_iter()
            .map(|n| ExportedNote {
                created_at: n.created_at,
                author: n.author,
                kind: n.kind,
                body: n.body,
            })
            .collect();
        assessments.push(ExportedAssessment {
            assessment,
            tags: db::review::tags(pool, id).await?,
            notes,
        });
    }
    assessments.sort_by(|a, b| {
        let at = |e: &ExportedAssessment| e.assessment["created_at"].as_str().map(str::to_owned);
        at(a).cmp(&at(b))
    });
    Ok(PersonExport {
        email: email_key.to_owned(),
        exported_at: now_rfc3339(),
        assessments,
        leads,
    })
}

/// Deletes every assessment carrying a lead with `email_key`, with all that goes with it,
/// leaving tombstones, and announces each deletion by webhook when `announce` is set, in one
/// transaction.
pub async fn erase(pool: &Db, email_key: &str, announce: bool) -> Result<db::ErasedByEmail> {
    db::erase_by_email(pool, email_key, &now_rfc3339(), |id| {
        announce
            .then(|| crate::erasure::deleted_event(id))
            .transpose()
    })
    .await
}
