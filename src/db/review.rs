//! The consultant's review queries: filtered, keyset-paged lists, notes, tags, status, export
//! and trends. Filters are assembled from fixed SQL fragments; every value is bound.

use sqlx::{AssertSqlSafe, FromRow, SqlitePool};

/// How the review list is ordered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Sort {
    #[default]
    NewestFirst,
    OldestFirst,
    HighestScore,
    LowestScore,
}

impl Sort {
    fn order_by(self) -> &'static str {
        match self {
            Sort::NewestFirst => " ORDER BY a.created_at DESC, a.id DESC",
            Sort::OldestFirst => " ORDER BY a.created_at ASC, a.id ASC",
            Sort::HighestScore => " ORDER BY a.score DESC, a.id DESC",
            Sort::LowestScore => " ORDER BY a.score ASC, a.id ASC",
        }
    }

    fn after(self) -> &'static str {
        match self {
            Sort::NewestFirst => " AND (a.created_at, a.id) < (?, ?)",
            Sort::OldestFirst => " AND (a.created_at, a.id) > (?, ?)",
            Sort::HighestScore => " AND (a.score, a.id) < (?, ?)",
            Sort::LowestScore => " AND (a.score, a.id) > (?, ?)",
        }
    }

    fn is_by_score(self) -> bool {
        matches!(self, Sort::HighestScore | Sort::LowestScore)
    }
}

/// Where the previous page stopped: the sort value and the id of its last row.
#[derive(Debug, Clone, PartialEq)]
pub struct Cursor {
    pub value: String,
    pub id: String,
}

/// A review selection. All fields are already validated by the caller.
#[derive(Debug, Clone, Default)]
pub struct Filter {
    /// Text in the company name or in any note.
    pub q: Option<String>,
    pub recommendation: Option<String>,
    /// Inclusive lower bound, RFC 3339 (`YYYY-MM-DDT00:00:00Z`).
    pub from: Option<String>,
    /// Exclusive upper bound, RFC 3339.
    pub to_before: Option<String>,
    pub status: Option<String>,
    pub tag: Option<String>,
    /// `Some(true)`: only flagged submissions; `Some(false)`: only unflagged ones.
    pub flagged: Option<bool>,
}

/// Escapes LIKE wildcards so a search for "50%" finds "50%".
fn like_pattern(q: &str) -> String {
    let escaped = q
        .replace('\\', "\\\\")
        .replace('%', "\\%")
        .replace('_', "\\_");
    format!("%{escaped}%")
}

/// Appends the WHERE fragments of `f` to `sql` and returns the values to bind, in order.
fn where_clause(f: &Filter, sql: &mut String) -> Vec<String> {
    let mut binds = Vec::new();
    sql.push_str(" WHERE 1 = 1");
    if let Some(q) = &f.q {
        sql.push_str(
            " AND (a.company LIKE ? ESCAPE '\\' OR EXISTS (SELECT 1 FROM notes n WHERE n.assessment_id = a.id AND n.kind = 'note' AND n.body LIKE ? ESCAPE '\\'))",
        );
        let p = like_pattern(q);
        binds.push(p.clone());
        binds.push(p);
    }
    if let Some(r) = &f.recommendation {
        sql.push_str(" AND a.recommendation = ?");
        binds.push(r.clone());
    }
    if let Some(from) = &f.from {
        sql.push_str(" AND a.created_at >= ?");
        binds.push(from.clone());
    }
    if let Some(to) = &f.to_before {
        sql.push_str(" AND a.created_at < ?");
        binds.push(to.clone());
    }
    if let Some(s) = &f.status {
        sql.push_str(" AND a.status = ?");
        binds.push(s.clone());
    }
    match f.flagged {
        Some(true) => sql.push_str(" AND a.flagged IS NOT NULL"),
        Some(false) => sql.push_str(" AND a.flagged IS NULL"),
        None => {}
    }
    if let Some(t) = &f.tag {
        sql.push_str(
            " AND EXISTS (SELECT 1 FROM tags t WHERE t.assessment_id = a.id AND t.tag = ?)",
        );
        binds.push(t.clone());
    }
    binds
}

/// One line of the review list.
#[derive(Debug, Clone, FromRow)]
pub struct ListRow {
    pub id: String,
    pub created_at: String,
    pub company: Option<String>,
    pub employees: i64,
    pub recommendation: String,
    pub confidence: String,
    pub score: f64,
    pub status: String,
    pub flagged: Option<String>,
}

/// One page of the selection, `limit` rows after `after`.
pub async fn list(
    pool: &SqlitePool,
    f: &Filter,
    sort: Sort,
    after: Option<&Cursor>,
    limit: i64,
) -> sqlx::Result<Vec<ListRow>> {
    let mut sql = String::from(
        "SELECT a.id, a.created_at, a.company, a.employees, a.recommendation, a.confidence, a.score, a.status, a.flagged FROM assessments a",
    );
    let binds = where_clause(f, &mut sql);
    if after.is_some() {
        sql.push_str(sort.after());
    }
    sql.push_str(sort.order_by());
    sql.push_str(" LIMIT ?");
    let mut query = sqlx::query_as::<_, ListRow>(AssertSqlSafe(sql));
    for b in binds {
        query = query.bind(b);
    }
    if let Some(c) = after {
        if sort.is_by_score() {
            query = query.bind(c.value.parse::<f64>().unwrap_or(0.0));
        } else {
            query = query.bind(c.value.clone());
        }
        query = query.bind(c.id.clone());
    }
    query.bind(limit).fetch_all(pool).await
}

/// One row of the export: every stored column plus tags and the note history.
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
}

/// The export query for a selection, newest first, for streaming with `fetch`.
pub fn export_query(f: &Filter) -> (String, Vec<String>) {
    let mut sql = String::from(
        "SELECT a.id, a.created_at, a.rules_version, a.status, a.answers, a.result,
            (SELECT group_concat(tag, ';') FROM (SELECT tag FROM tags t WHERE t.assessment_id = a.id ORDER BY tag)) AS tags,
            (SELECT group_concat(created_at || ' ' || author || ': ' || body, char(10))
               FROM (SELECT created_at, author, body FROM notes n WHERE n.assessment_id = a.id ORDER BY n.id)) AS notes
         FROM assessments a",
    );
    let binds = where_clause(f, &mut sql);
    sql.push_str(Sort::NewestFirst.order_by());
    (sql, binds)
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
