//! The consultant's review queries: filtered, keyset-paged lists, notes, tags, status, export
//! and trends. Filters are assembled from fixed SQL fragments; every value is bound.

use sqlx::FromRow;

use super::{Db, on_pool, on_tx};

mod list;

use futures_util::TryStreamExt;
use sqlx::AssertSqlSafe;

pub use list::{Budget, COUNT_CAP, Count, CountBudget, Cursor, Filter, ListRow, Page, Sort};

/// One page of the selection: up to `limit` rows after `after`, in bounded time. SQLite walks
/// its own covering indexes within a work budget (`list`); PostgreSQL's planner picks among its
/// indexes and every page is complete.
pub async fn list(
    db: &Db,
    f: &Filter,
    sort: Sort,
    after: Option<&Cursor>,
    limit: i64,
) -> sqlx::Result<Page> {
    list_within(db, f, sort, after, limit, Budget::default()).await
}

/// [`list`] with an explicit work budget (SQLite's; PostgreSQL needs none).
pub async fn list_within(
    db: &Db,
    f: &Filter,
    sort: Sort,
    after: Option<&Cursor>,
    limit: i64,
    budget: Budget,
) -> sqlx::Result<Page> {
    match db {
        Db::Sqlite(pool) => list::list_within(pool, f, sort, after, limit, budget).await,
        Db::Postgres(pool) => list::postgres::list(pool, f, sort, after, limit).await,
    }
}

/// How many assessments match `f`, in bounded time: exact up to [`COUNT_CAP`].
pub async fn count(db: &Db, f: &Filter) -> sqlx::Result<Count> {
    count_within(db, f, CountBudget::default()).await
}

/// [`count`] with an explicit work budget (SQLite's; PostgreSQL needs none).
pub async fn count_within(db: &Db, f: &Filter, budget: CountBudget) -> sqlx::Result<Count> {
    match db {
        Db::Sqlite(pool) => list::count_within(pool, f, budget).await,
        Db::Postgres(pool) => list::postgres::count(pool, f).await,
    }
}

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

/// Where [`export_each`] puts the rows.
pub trait ExportSink {
    type Error: From<sqlx::Error>;
    /// Takes one row; an error stops the export.
    fn row(&mut self, row: ExportRow) -> impl Future<Output = Result<(), Self::Error>> + Send;
}

/// Streams the export of a selection, newest first, row by row into `sink`. Returns how many
/// rows went.
pub async fn export_each<S: ExportSink>(
    db: &Db,
    f: &Filter,
    sink: &mut S,
) -> Result<u64, S::Error> {
    let mut count = 0;
    match db {
        Db::Sqlite(pool) => {
            let (sql, binds) = list::export_sql(SQLITE_EXPORT, f);
            let mut query = sqlx::query_as::<_, ExportRow>(AssertSqlSafe(sql));
            for b in binds {
                query = query.bind(b);
            }
            let mut rows = query.fetch(pool);
            while let Some(row) = rows.try_next().await? {
                sink.row(row).await?;
                count += 1;
            }
        }
        Db::Postgres(pool) => {
            let mut query = list::postgres::export_query(POSTGRES_EXPORT, f);
            let mut rows = query.build_query_as::<ExportRow>().fetch(pool);
            while let Some(row) = rows.try_next().await? {
                sink.row(row).await?;
                count += 1;
            }
        }
    }
    Ok(count)
}

/// The export's columns over `assessments a` on PostgreSQL: [`SQLITE_EXPORT`]'s, with
/// `string_agg` and `json_agg`. `json_build_object` writes `"key" : value`; the JSON is parsed
/// again before it is written out, so only its content matters.
const POSTGRES_EXPORT: &str =
    "SELECT a.id, a.created_at, a.rules_version, a.status, a.answers, a.result,
    (SELECT string_agg(tag, ';' ORDER BY tag) FROM tags t WHERE t.assessment_id = a.id) AS tags,
    (SELECT string_agg(created_at || ' ' || author || ': ' || body, chr(10) ORDER BY n.id)
       FROM notes n WHERE n.assessment_id = a.id) AS notes,
    (SELECT coalesce(json_agg(json_build_object('name', l.name, 'email', l.email,
                'consent_text', l.consent_text, 'consent_version', l.consent_version,
                'created_at', l.created_at, 'client_addr', l.client_addr,
                'email_sent_at', m.sent_at) ORDER BY l.created_at, l.id), '[]')::text
       FROM leads l LEFT JOIN mail_outbox m ON m.lead_id = l.id
       WHERE l.assessment_id = a.id) AS leads";

/// The export's columns over `assessments a` on SQLite: every stored column, the tags joined
/// with `;`, the notes one a line, the leads as a JSON array.
const SQLITE_EXPORT: &str = "SELECT a.id, a.created_at, a.rules_version, a.status, a.answers, a.result,
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
                     WHERE l.assessment_id = a.id ORDER BY l.created_at, l.id)) AS leads";

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

pub async fn find_for_review(db: &Db, id: &str) -> sqlx::Result<Option<ReviewRow>> {
    on_pool!(db, pool => sqlx::query_as(
        "SELECT id, created_at, status, answers, result, flagged FROM assessments WHERE id = $1",
    )
    .bind(id)
    .fetch_optional(pool)
    .await)
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

pub async fn notes(db: &Db, id: &str) -> sqlx::Result<Vec<Note>> {
    on_pool!(db, pool => sqlx::query_as(
        "SELECT id, author, kind, body, created_at FROM notes WHERE assessment_id = $1 ORDER BY id",
    )
    .bind(id)
    .fetch_all(pool)
    .await)
}

/// Appends a note; `Ok(false)` when the assessment does not exist.
pub async fn add_note(
    db: &Db,
    id: &str,
    author: &str,
    body: &str,
    now: &str,
) -> sqlx::Result<bool> {
    let done = on_pool!(db, pool => sqlx::query(
        "INSERT INTO notes (assessment_id, author, kind, body, created_at)
         SELECT id, $1, 'note', $2, $3 FROM assessments WHERE id = $4",
    )
    .bind(author)
    .bind(body)
    .bind(now)
    .bind(id)
    .execute(pool)
    .await?
    .rows_affected());
    Ok(done == 1)
}

/// Changes the status and records the change in the history, in one transaction.
/// `Ok(false)` when the assessment does not exist.
pub async fn set_status(
    db: &Db,
    id: &str,
    status: &str,
    author: &str,
    now: &str,
) -> sqlx::Result<bool> {
    // The old status is read under the write lock (SQLite) or with the row locked
    // (PostgreSQL), so two changes at once record a history that adds up.
    let mut tx = db.begin_write().await?;
    let old: Option<String> = match &mut tx {
        super::Tx::Sqlite(conn) => {
            sqlx::query_scalar("SELECT status FROM assessments WHERE id = $1")
                .bind(id)
                .fetch_optional(&mut **conn)
                .await?
        }
        super::Tx::Postgres(conn) => {
            sqlx::query_scalar("SELECT status FROM assessments WHERE id = $1 FOR UPDATE")
                .bind(id)
                .fetch_optional(&mut **conn)
                .await?
        }
    };
    let Some(old) = old else { return Ok(false) };
    if old != status {
        on_tx!(&mut tx, conn => {
            sqlx::query("UPDATE assessments SET status = $1 WHERE id = $2")
                .bind(status)
                .bind(id)
                .execute(&mut *conn)
                .await?;
            sqlx::query("INSERT INTO notes (assessment_id, author, kind, body, created_at) VALUES ($1, $2, 'status', $3, $4)")
                .bind(id)
                .bind(author)
                .bind(format!("{old} → {status}"))
                .bind(now)
                .execute(&mut *conn)
                .await?;
        });
    }
    tx.commit().await?;
    Ok(true)
}

pub async fn tags(db: &Db, id: &str) -> sqlx::Result<Vec<String>> {
    on_pool!(db, pool => sqlx::query_scalar("SELECT tag FROM tags WHERE assessment_id = $1 ORDER BY tag")
        .bind(id)
        .fetch_all(pool)
        .await)
}

/// Replaces the tags of an assessment. `Ok(false)` when it does not exist.
pub async fn set_tags(db: &Db, id: &str, tags: &[String]) -> sqlx::Result<bool> {
    let mut tx = db.begin_write().await?;
    let exists: Option<String> = match &mut tx {
        super::Tx::Sqlite(conn) => {
            sqlx::query_scalar("SELECT id FROM assessments WHERE id = $1")
                .bind(id)
                .fetch_optional(&mut **conn)
                .await?
        }
        // Locked, so two replacements at once leave one of the two sets, not both mixed.
        super::Tx::Postgres(conn) => {
            sqlx::query_scalar("SELECT id FROM assessments WHERE id = $1 FOR UPDATE")
                .bind(id)
                .fetch_optional(&mut **conn)
                .await?
        }
    };
    if exists.is_none() {
        return Ok(false);
    }
    on_tx!(&mut tx, conn => {
        sqlx::query("DELETE FROM tags WHERE assessment_id = $1")
            .bind(id)
            .execute(&mut *conn)
            .await?;
        for t in tags {
            sqlx::query("INSERT INTO tags (assessment_id, tag) VALUES ($1, $2) ON CONFLICT DO NOTHING")
                .bind(id)
                .bind(t)
                .execute(&mut *conn)
                .await?;
        }
    });
    tx.commit().await?;
    Ok(true)
}

/// Assessments a month, by verdict.
pub async fn counts_by_month(db: &Db) -> sqlx::Result<Vec<(String, String, i64)>> {
    on_pool!(db, pool => sqlx::query_as(
        "SELECT substr(created_at, 1, 7) AS month, recommendation, COUNT(*) FROM assessments
         GROUP BY month, recommendation ORDER BY month",
    )
    .fetch_all(pool)
    .await)
}

/// Scores in buckets of `width` points: (bucket start, count).
pub async fn score_histogram(db: &Db) -> sqlx::Result<Vec<(i64, i64)>> {
    match db {
        // The bundled SQLite has no floor(); CAST truncates towards zero, so negative scores
        // that are not on a bucket edge step down one more.
        Db::Sqlite(pool) => sqlx::query_as(
            "SELECT (CAST(score / 2.0 AS INTEGER) - (score < 0 AND score / 2.0 <> CAST(score / 2.0 AS INTEGER))) * 2 AS bucket,
                    COUNT(*)
             FROM assessments GROUP BY bucket ORDER BY bucket",
        )
        .fetch_all(pool)
        .await,
        Db::Postgres(pool) => sqlx::query_as(
            "SELECT CAST(floor(score / 2.0) AS BIGINT) * 2 AS bucket, COUNT(*)
             FROM assessments GROUP BY bucket ORDER BY bucket",
        )
        .fetch_all(pool)
        .await,
    }
}

/// For each factor key: how often it pushed towards managed, towards break/fix, and the average push.
pub async fn factor_pushes(db: &Db) -> sqlx::Result<Vec<(String, i64, i64, f64)>> {
    match db {
        Db::Sqlite(pool) => {
            sqlx::query_as(
                // Not aliased `key`: json_each has a `key` column (the array index), and GROUP BY
                // would group by that instead.
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
        // `result` is stored as text (so it reads back byte for byte); parsed here for the sum.
        Db::Postgres(pool) => {
            sqlx::query_as(
                "SELECT f.value ->> 'key' AS factor,
                    COUNT(*) FILTER (WHERE (f.value ->> 'points')::float8 > 0),
                    COUNT(*) FILTER (WHERE (f.value ->> 'points')::float8 < 0),
                    AVG((f.value ->> 'points')::float8)
             FROM assessments a, jsonb_array_elements(a.result::jsonb -> 'factors') f
             GROUP BY factor ORDER BY factor",
            )
            .fetch_all(pool)
            .await
        }
    }
}

/// (all assessments, close calls)
pub async fn close_call_share(db: &Db) -> sqlx::Result<(i64, i64)> {
    on_pool!(db, pool => sqlx::query_as(
        "SELECT COUNT(*), COUNT(CASE WHEN confidence = 'close_call' THEN 1 END) FROM assessments",
    )
    .fetch_one(pool)
    .await)
}
