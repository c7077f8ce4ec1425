//! The consultant's review queries: filtered, keyset-paged lists, notes, tags, status, export
//! and trends. Filters are assembled from fixed SQL fragments; every value is bound.

use sqlx::{FromRow, SqlitePool};

mod list;

pub use list::{
    Budget, COUNT_CAP, Count, CountBudget, Cursor, Filter, ListRow, Page, Sort, count,
    count_within, list, list_within,
};

/// One row of the export: every stored column plus tags, the note history and the leads.
#[derive(Debug, Clone, FromRow)]
pub struct ExportRow {
    pub id: String,
    pub created_at: String,
    pub rules_version: String,
    pub status: String,
    pub answers: String,
    pub result: String,
    pub tags: Option<String>,
    pub notes: Option<String>,
    /// The leads, oldest first, as a JSON array of objects with `name`, `email`,
    /// `consent_text`, `consent_version`, `created_at`, `client_addr` and `email_sent_at`
    /// (`null` until the report went out); `[]` without leads.
    pub leads: String,
}

/// The export query for a selection, newest first, for streaming with `fetch`.
pub fn export_query(f: &Filter) -> (String, Vec<String>) {
    list::export_sql(
        "SELECT a.id, a.created_at, a.rules_version, a.status, a.answers, a.result,
            (SELECT group_concat(tag, ';') FROM (SELECT tag FROM tags t WHERE t.assessment_id = a.id ORDER BY tag)) AS tags,
            (SELECT group_concat(created_at || ' ' || author || ': ' || body, char(10))
               FROM (SELECT created_at, author, body FROM notes n WHERE n.assessment_id = a.id ORDER BY n.id)) AS notes,
            (SELECT json_group_array(json_object('name', name, 'email', email,
                        'consent_text', consent_text, 'consent_version', consent_version,
                        'created_at', created_at, 'client_addr', client_addr,
                        'email_sent_at', email_sent_at))
               FROM (SELECT l.name, l.email, l.consent_text, l.consent_version, l.created_at,
                            l.client_addr, m.sent_at AS email_sent_at
                     FROM leads l LEFT JOIN mail_outbox m ON m.lead_id = l.id
                     WHERE l.assessment_id = a.id ORDER BY l.created_at, l.id)) AS leads",
        f,
    )
}

/// Review details of one assessment.
#[derive(Debug, Clone, FromRow)]
pub struct ReviewRow {
    pub id: String,
    pub created_at: String,
    pub status: String,
    pub answers: String,
    pub result: String,
    pub flagged: Option<String>,
}

pub async fn find_for_review(pool: &SqlitePool, id: &str) -> sqlx::Result<Option<ReviewRow>> {
    sqlx::query_as(
        "SELECT id, created_at, status, answers, result, flagged FROM assessments WHERE id = ?",
    )
    .bind(id)
    .fetch_optional(pool)
    .await
}

/// An entry of the append-only history.
#[derive(Debug, Clone, FromRow)]
pub struct Note {
    pub id: i64,
    pub author: String,
    pub kind: String,
    pub body: String,
    pub created_at: String,
}

pub async fn notes(pool: &SqlitePool, id: &str) -> sqlx::Result<Vec<Note>> {
    sqlx::query_as(
        "SELECT id, author, kind, body, created_at FROM notes WHERE assessment_id = ? ORDER BY id",
    )
    .bind(id)
    .fetch_all(pool)
    .await
}

/// Appends a note; `Ok(false)` when the assessment does not exist.
pub async fn add_note(
    pool: &SqlitePool,
    id: &str,
    author: &str,
    body: &str,
    now: &str,
) -> sqlx::Result<bool> {
    let done = sqlx::query(
        "INSERT INTO notes (assessment_id, author, kind, body, created_at)
         SELECT id, ?, 'note', ?, ? FROM assessments WHERE id = ?",
    )
    .bind(author)
    .bind(body)
    .bind(now)
    .bind(id)
    .execute(pool)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Changes the status and records the change in the history, in one transaction.
/// `Ok(false)` when the assessment does not exist.
pub async fn set_status(
    pool: &SqlitePool,
    id: &str,
    status: &str,
    author: &str,
    now: &str,
) -> sqlx::Result<bool> {
    let mut tx = pool.begin().await?;
    let old: Option<(String,)> = sqlx::query_as("SELECT status FROM assessments WHERE id = ?")
        .bind(id)
        .fetch_optional(&mut *tx)
        .await?;
    let Some((old,)) = old else { return Ok(false) };
    if old != status {
        sqlx::query("UPDATE assessments SET status = ? WHERE id = ?")
            .bind(status)
            .bind(id)
            .execute(&mut *tx)
            .await?;
        sqlx::query("INSERT INTO notes (assessment_id, author, kind, body, created_at) VALUES (?, ?, 'status', ?, ?)")
            .bind(id)
            .bind(author)
            .bind(format!("{old} → {status}"))
            .bind(now)
            .execute(&mut *tx)
            .await?;
    }
    tx.commit().await?;
    Ok(true)
}

pub async fn tags(pool: &SqlitePool, id: &str) -> sqlx::Result<Vec<String>> {
    let rows: Vec<(String,)> =
        sqlx::query_as("SELECT tag FROM tags WHERE assessment_id = ? ORDER BY tag")
            .bind(id)
            .fetch_all(pool)
            .await?;
    Ok(rows.into_iter().map(|(t,)| t).collect())
}

/// Replaces the tags of an assessment. `Ok(false)` when it does not exist.
pub async fn set_tags(pool: &SqlitePool, id: &str, tags: &[String]) -> sqlx::Result<bool> {
    let mut tx = pool.begin().await?;
    let exists: Option<(i64,)> = sqlx::query_as("SELECT 1 FROM assessments WHERE id = ?")
        .bind(id)
        .fetch_optional(&mut *tx)
        .await?;
    if exists.is_none() {
        return Ok(false);
    }
    sqlx::query("DELETE FROM tags WHERE assessment_id = ?")
        .bind(id)
        .execute(&mut *tx)
        .await?;
    for t in tags {
        sqlx::query("INSERT OR IGNORE INTO tags (assessment_id, tag) VALUES (?, ?)")
            .bind(id)
            .bind(t)
            .execute(&mut *tx)
            .await?;
    }
    tx.commit().await?;
    Ok(true)
}

/// Assessments a month, by verdict.
pub async fn counts_by_month(pool: &SqlitePool) -> sqlx::Result<Vec<(String, String, i64)>> {
    sqlx::query_as(
        "SELECT substr(created_at, 1, 7) AS month, recommendation, COUNT(*) FROM assessments
         GROUP BY month, recommendation ORDER BY month",
    )
    .fetch_all(pool)
    .await
}

/// Scores in buckets of `width` points: (bucket start, count).
pub async fn score_histogram(pool: &SqlitePool) -> sqlx::Result<Vec<(i64, i64)>> {
    // The bundled SQLite has no floor(); CAST truncates towards zero, so negative scores that
    // are not on a bucket edge step down one more.
    sqlx::query_as(
        "SELECT (CAST(score / 2.0 AS INTEGER) - (score < 0 AND score / 2.0 <> CAST(score / 2.0 AS INTEGER))) * 2 AS bucket,
                COUNT(*)
         FROM assessments GROUP BY bucket ORDER BY bucket",
    )
    .fetch_all(pool)
    .await
}

/// For each factor key: how often it pushed towards managed, towards break/fix, and the average push.
pub async fn factor_pushes(pool: &SqlitePool) -> sqlx::Result<Vec<(String, i64, i64, f64)>> {
    sqlx::query_as(
        // Not aliased `key`: json_each has a `key` column (the array index), and GROUP BY would
        // group by that instead.
        "SELECT json_extract(f.value, '$.key') AS factor,
                SUM(json_extract(f.value, '$.points') > 0),
                SUM(json_extract(f.value, '$.points') < 0),
                AVG(json_extract(f.value, '$.points'))
         FROM assessments a, json_each(a.result, '$.factors') f
         GROUP BY factor ORDER BY factor",
    )
    .fetch_all(pool)
    .await
}

/// (all assessments, close calls)
pub async fn close_call_share(pool: &SqlitePool) -> sqlx::Result<(i64, i64)> {
    sqlx::query_as("SELECT COUNT(*), COALESCE(SUM(confidence = 'close_call'), 0) FROM assessments")
        .fetch_one(pool)
        .await
}
