//! The review list's selection: filters, sort orders and keyset paging, at any table size.
//!
//! The list reads `review_list`, a narrow copy of the columns it shows that triggers keep in step
//! with `assessments` (whose rows carry the whole outcome, about 15 KB each): walking it touches
//! a few bytes a row instead of several pages.
//!
//! Two query shapes. Most filters are column tests that an index in list order can answer while
//! it walks; the walk stops after one page. Text search and tags instead name a set of
//! assessments: when that set is small, walking the list order would pass over nearly every row
//! before a page fills, so the set itself drives the query (and is sorted, which is cheap because
//! it is small). Which shape a request gets is decided by counting the set, up to
//! [`DRIVING_LIMIT`]; the count does not depend on the page position, so every page of one
//! selection uses the same shape and paging shows each row exactly once.

use sqlx::{AssertSqlSafe, FromRow, SqlitePool};

/// Up to this many matches, a text or tag filter drives the query; beyond it, the filter matches
/// at least 0.5% of a million rows, so a walk in list order fills a page within a few thousand.
const DRIVING_LIMIT: i64 = 5_000;

/// The trigram index needs three characters.
const MIN_INDEXED_CHARS: usize = 3;

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
    pub(super) fn order_by(self) -> &'static str {
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

/// Up to four trigrams of the search, evenly spread, all required: every text containing the
/// search contains them, and LIKE then keeps exactly the texts that contain it. Cheaper than the
/// whole phrase, whose every trigram's positions FTS5 would have to line up.
fn fts_query(q: &str) -> String {
    let chars: Vec<char> = q.chars().collect();
    let last = chars.len().saturating_sub(MIN_INDEXED_CHARS);
    let mut starts: Vec<usize> = (0..4).map(|i| i * last / 3).collect();
    starts.dedup();
    starts
        .iter()
        .map(|&i| {
            let gram: String = chars[i..(i + MIN_INDEXED_CHARS).min(chars.len())]
                .iter()
                .collect();
            format!("\"{}\"", gram.replace('"', "\"\""))
        })
        .collect::<Vec<_>>()
        .join(" AND ")
}

/// Which filter names the set that drives the query, if any.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Driver {
    /// The assessments the text search matched.
    Search(Vec<String>),
    Tag,
}

/// Appends the WHERE fragments of `f` to `sql` and returns the values to bind, in order. The
/// driving filter's own test is left out: the driving set already applies it.
fn where_clause(f: &Filter, driver: &Option<Driver>, sql: &mut String) -> Vec<String> {
    let mut binds = Vec::new();
    sql.push_str(" WHERE 1 = 1");
    let search_drives = matches!(driver, Some(Driver::Search(_)));
    if let Some(q) = f.q.as_ref().filter(|_| !search_drives) {
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
    if let Some(t) = f.tag.as_ref().filter(|_| *driver != Some(Driver::Tag)) {
        sql.push_str(
            " AND EXISTS (SELECT 1 FROM tags t WHERE t.assessment_id = a.id AND t.tag = ?)",
        );
        binds.push(t.clone());
    }
    binds
}

/// The FROM clause of a list query (and its binds): the whole list, or the driving set first.
/// `CROSS JOIN` keeps SQLite from reordering the loops.
fn from_clause(f: &Filter, driver: &Option<Driver>) -> (&'static str, Vec<String>) {
    match (driver, &f.tag) {
        (Some(Driver::Search(ids)), _) => (
            " FROM json_each(?) m CROSS JOIN review_list a ON a.id = m.value",
            vec![serde_json::Value::from(ids.clone()).to_string()],
        ),
        (Some(Driver::Tag), Some(t)) => (
            " FROM tags m CROSS JOIN review_list a ON a.id = m.assessment_id AND m.tag = ?",
            vec![t.clone()],
        ),
        _ => (" FROM review_list a", Vec::new()),
    }
}

/// The assessments the text search matches, up to one past [`DRIVING_LIMIT`]. Searches too
/// short for the trigram index scan the search texts, which are far smaller than the list.
async fn search_ids(pool: &SqlitePool, q: &str) -> sqlx::Result<Vec<String>> {
    let query = if q.chars().count() >= MIN_INDEXED_CHARS {
        sqlx::query_scalar(
            "SELECT DISTINCT d.assessment_id FROM search_index s JOIN search_docs d ON d.id = s.rowid
             WHERE search_index MATCH ? AND d.body LIKE ? ESCAPE '\\' LIMIT ?",
        )
        .bind(fts_query(q))
    } else {
        sqlx::query_scalar(
            "SELECT DISTINCT assessment_id FROM search_docs NOT INDEXED WHERE body LIKE ? ESCAPE '\\' LIMIT ?",
        )
    };
    query
        .bind(like_pattern(q))
        .bind(DRIVING_LIMIT + 1)
        .fetch_all(pool)
        .await
}

/// Assessments with the tag, counted up to one past [`DRIVING_LIMIT`].
async fn tag_matches(pool: &SqlitePool, tag: &str) -> sqlx::Result<i64> {
    sqlx::query_scalar("SELECT count(*) FROM (SELECT 1 FROM tags WHERE tag = ? LIMIT ?)")
        .bind(tag)
        .bind(DRIVING_LIMIT + 1)
        .fetch_one(pool)
        .await
}

/// The smallest set among the text and tag filters, if one is small enough to drive.
async fn driver(pool: &SqlitePool, f: &Filter) -> sqlx::Result<Option<Driver>> {
    let search = match f.q.as_deref() {
        Some(q) => Some(search_ids(pool, q).await?),
        None => None,
    };
    let tagged = match &f.tag {
        Some(t) => Some(tag_matches(pool, t).await?),
        None => None,
    };
    let small = |n: usize| n as i64 <= DRIVING_LIMIT;
    Ok(match (search, tagged) {
        (Some(ids), Some(n)) if small(ids.len()) && ids.len() as i64 <= n => {
            Some(Driver::Search(ids))
        }
        (_, Some(n)) if small(n as usize) => Some(Driver::Tag),
        (Some(ids), _) if small(ids.len()) => Some(Driver::Search(ids)),
        _ => None,
    })
}

/// A selection's FROM and WHERE clauses over the full rows, without a driving set (for the
/// export, which walks every match anyway).
pub(super) fn selection_sql(f: &Filter, sql: &mut String) -> Vec<String> {
    sql.push_str(" FROM assessments a");
    where_clause(f, &None, sql)
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
    let driver = driver(pool, f).await?;
    let mut sql = String::from(
        "SELECT a.id, a.created_at, a.company, a.employees, a.recommendation, a.confidence, a.score, a.status, a.flagged",
    );
    let (from, mut binds) = from_clause(f, &driver);
    sql.push_str(from);
    binds.extend(where_clause(f, &driver, &mut sql));
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
