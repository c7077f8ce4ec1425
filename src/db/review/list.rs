//! The review list's selection: filters, sort orders and keyset paging, at any table size, each
//! page in bounded time.
//!
//! The list reads `review_list`, a narrow copy of the columns it shows (plus the assessment's
//! note texts and tags) that triggers keep in step with `assessments`, whose rows carry the whole
//! outcome (about 15 KB each).
//!
//! Two query shapes. When a tag, the "has a lead" filter or (in a score order) a date range
//! names a set of at most [`DRIVING_LIMIT`] assessments, counted along an index, that set drives
//! the query: its rows are tested and sorted, which is cheap because it is small, and the page is
//! complete. Otherwise the
//! list walks its own order along a covering index, testing every filter on each entry, for at
//! most [`WALK_BUDGET`] entries (see `walk`). A walk that runs out of budget before the page is
//! full returns the rows it found and the position it reached ([`Page::searched_to`]); continuing
//! from there is an ordinary keyset page. A text search first walks a tenth of the budget: a
//! common word fills its page there; otherwise the trigram index is asked whether the text's
//! matches are few enough to drive, and only if not does the full walk run. Both shapes give,
//! after any position, the first matching rows in order, so paging shows each matching row
//! exactly once whichever shape a page takes.

pub(super) mod postgres;
mod sql;
mod walk;

use sqlx::{FromRow, SqlitePool};

use self::sql::{Applied, LIST_COLUMNS, Sql, Value, like_pattern, row_tests};

/// Up to this many matches, a text, tag or date filter drives the query.
const DRIVING_LIMIT: i64 = 5_000;

/// Index entries a walk may examine for one page: 5-7 ms at 1M rows on this 2-core machine.
const WALK_BUDGET: i64 = 20_000;

/// The list counts its matches exactly up to this many, and says "more than" past it.
pub const COUNT_CAP: i64 = 10_000;

/// Index entries a count may examine: 100,000 take 5-10 ms when each is tested on its index
/// columns only.
const COUNT_ENTRIES: i64 = 100_000;

/// A text search counts its matches by themselves when the trigram index finds at most this
/// many candidates: checking and counting 5,000 took 60-100 ms.
const COUNT_SEARCH_LIMIT: i64 = 500;

/// Index entries a count that searches a text may examine: its LIKE tests made 100,000 entries
/// take 55-155 ms.
const COUNT_TEXT_ENTRIES: i64 = 20_000;

/// A text search's first, short walk has this share of the budget.
const PROBE_SHARE: i64 = 10;

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

/// A position in the list: the sort value and the id of the row there. A page holds the rows
/// after it.
#[derive(Debug, Clone, PartialEq)]
pub struct Cursor {
    pub value: String,
    pub id: String,
}

impl Cursor {
    /// The position of a row in `sort` order.
    pub fn at(sort: Sort, created_at: &str, score: f64, id: &str) -> Cursor {
        Cursor {
            value: if sort.is_by_score() {
                score.to_string()
            } else {
                created_at.to_owned()
            },
            id: id.to_owned(),
        }
    }

    /// The position of a listed row, to page on from it.
    pub fn of(sort: Sort, row: &ListRow) -> Cursor {
        Cursor::at(sort, &row.created_at, row.score, &row.id)
    }
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
    /// Only assessments whose owner asked for the report by email (a lead).
    pub has_lead: bool,
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
    /// Leads (reports asked for by email) the assessment has.
    pub lead_count: i64,
}

/// One page of the selection.
#[derive(Debug, Clone)]
pub struct Page {
    /// The matching rows after the cursor, in order, at most as many as asked for.
    pub rows: Vec<ListRow>,
    /// Set when the page stopped at its work budget before it was full: every row up to this
    /// position has been searched, and those found are in `rows`; the rows after it have not.
    /// `None` when `rows` holds every match up to the end, or the page is full.
    pub searched_to: Option<Cursor>,
}

/// How much work one page may do. [`Budget::default`] is what the list uses; tests shrink it
/// to reach the walk's limits with a few hundred rows.
#[derive(Debug, Clone, Copy)]
pub struct Budget {
    /// Index entries a walk may examine.
    pub walk: i64,
    /// The largest set that drives the query instead of a walk.
    pub drive: i64,
}

impl Default for Budget {
    fn default() -> Self {
        Budget {
            walk: WALK_BUDGET,
            drive: DRIVING_LIMIT,
        }
    }
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

/// The set that drives a query.
#[derive(Debug, Clone, PartialEq)]
enum Driver {
    /// The assessments the text search matched.
    Search(Vec<String>),
    /// The assessments with the filter's tag.
    Tag,
    /// The assessments with a lead.
    Leads,
    /// The assessments in the filter's date range (for a score order; a date order walks it).
    Dates,
}

/// The assessments the text search matches, when there are at most `limit` of them. Searches
/// too short for the trigram index give `None`: the walk tests them on its entries instead.
///
/// The trigram index gives candidate texts (a text per company name or note; every matching
/// assessment has one among them), up to one past `limit`: more and the set is taken as too
/// large to drive. Only the few candidates are then read and checked with LIKE.
async fn small_search(pool: &SqlitePool, q: &str, limit: i64) -> sqlx::Result<Option<Vec<String>>> {
    if q.chars().count() < MIN_INDEXED_CHARS {
        return Ok(None);
    }
    let mut candidates = Sql::default();
    candidates.push_bound(
        "SELECT rowid FROM search_index WHERE search_index MATCH ? LIMIT ?",
        [Value::Text(fts_query(q)), Value::Int(limit + 1)],
    );
    let candidates: Vec<(i64,)> = candidates.fetch_all(pool).await?;
    if candidates.len() as i64 > limit {
        return Ok(None);
    }
    let rowids: Vec<i64> = candidates.into_iter().map(|(r,)| r).collect();
    let mut sql = Sql::default();
    sql.push_bound(
        "SELECT DISTINCT d.assessment_id FROM json_each(?) r CROSS JOIN search_docs d ON d.id = r.value
         WHERE d.body LIKE ? ESCAPE '\\'",
        [
            Value::Text(serde_json::Value::from(rowids).to_string()),
            Value::Text(like_pattern(q)),
        ],
    );
    let found: Vec<(String,)> = sql.fetch_all(pool).await?;
    Ok(Some(found.into_iter().map(|(id,)| id).collect()))
}

/// Rows counted by `sql` (a `SELECT 1 … LIMIT ?` without its limit), up to one past `limit`.
async fn count_up_to(pool: &SqlitePool, inner: Sql, limit: i64) -> sqlx::Result<i64> {
    let mut sql = Sql::new("SELECT count(*) FROM (");
    sql.append(&inner)
        .push_bound(" LIMIT ?)", [Value::Int(limit + 1)]);
    sql.fetch_count(pool).await
}

/// The smallest of the tag's set, the set of assessments with a lead and (in a score order) the
/// date range's, if one is small enough to drive. Each is counted along an index, up to one past
/// `limit`, in a millisecond or so.
async fn counted_driver(
    pool: &SqlitePool,
    f: &Filter,
    sort: Sort,
    limit: i64,
) -> sqlx::Result<Option<Driver>> {
    let mut best: Option<(i64, Driver)> = None;
    if let Some(t) = &f.tag {
        let mut tagged = Sql::default();
        tagged.push_bound("SELECT 1 FROM tags WHERE tag = ?", [Value::Text(t.clone())]);
        best = Some((count_up_to(pool, tagged, limit).await?, Driver::Tag));
    }
    if f.has_lead {
        let led = Sql::new("SELECT DISTINCT assessment_id FROM leads");
        let n = count_up_to(pool, led, limit).await?;
        if best.as_ref().is_none_or(|(m, _)| n < *m) {
            best = Some((n, Driver::Leads));
        }
    }
    if sort.is_by_score() && (f.from.is_some() || f.to_before.is_some()) {
        let mut dated =
            Sql::new("SELECT 1 FROM review_list a INDEXED BY review_list_walk_created WHERE 1 = 1");
        if let Some(from) = &f.from {
            dated.push_bound(" AND a.created_at >= ?", [Value::Text(from.clone())]);
        }
        if let Some(to) = &f.to_before {
            dated.push_bound(" AND a.created_at < ?", [Value::Text(to.clone())]);
        }
        let n = count_up_to(pool, dated, limit).await?;
        if best.as_ref().is_none_or(|(m, _)| n < *m) {
            best = Some((n, Driver::Dates));
        }
    }
    Ok(best.filter(|(n, _)| *n <= limit).map(|(_, d)| d))
}

/// The rows of a driving set that pass the other filters, unordered: `SELECT` the listed
/// columns `FROM` the set and the rows it names `WHERE` the tests.
fn driven_selection(f: &Filter, driver: &Driver) -> Sql {
    let mut sql = Sql::new("SELECT ");
    sql.push(LIST_COLUMNS);
    // `CROSS JOIN` keeps SQLite from reordering the loops: the set first, then each row by key.
    let applied = match driver {
        Driver::Search(ids) => {
            sql.push_bound(
                " FROM json_each(?) m CROSS JOIN review_list a ON a.id = m.value WHERE 1 = 1",
                [Value::Text(
                    serde_json::Value::from(ids.clone()).to_string(),
                )],
            );
            Applied {
                q: true,
                ..Applied::default()
            }
        }
        Driver::Tag => {
            sql.push_bound(
                " FROM tags m CROSS JOIN review_list a ON a.id = m.assessment_id WHERE m.tag = ?",
                [Value::Text(f.tag.clone().unwrap_or_default())],
            );
            Applied {
                tag: true,
                ..Applied::default()
            }
        }
        Driver::Leads => {
            sql.push(
                " FROM (SELECT DISTINCT assessment_id FROM leads) m \
                 CROSS JOIN review_list a ON a.id = m.assessment_id WHERE 1 = 1",
            );
            Applied {
                lead: true,
                ..Applied::default()
            }
        }
        Driver::Dates => {
            sql.push(" FROM review_list a INDEXED BY review_list_walk_created WHERE 1 = 1");
            Applied::default()
        }
    };
    row_tests(f, applied, &mut sql);
    sql
}

/// The page when a set drives the query: the set's rows, tested, sorted, after the cursor.
async fn driven(
    pool: &SqlitePool,
    f: &Filter,
    driver: Driver,
    sort: Sort,
    after: Option<&Cursor>,
    limit: i64,
) -> sqlx::Result<Page> {
    let mut sql = driven_selection(f, &driver);
    if let Some(c) = after {
        sort.after(c, &mut sql);
    }
    sql.push(sort.order_by())
        .push_bound(" LIMIT ?", [Value::Int(limit)]);
    Ok(Page {
        rows: sql.fetch_all(pool).await?,
        searched_to: None,
    })
}

/// The matches in a driving set (at most its size, which drove it because it is small).
async fn driven_count(pool: &SqlitePool, f: &Filter, driver: &Driver) -> sqlx::Result<i64> {
    let mut sql = Sql::new("SELECT count(*) FROM (");
    sql.append(&driven_selection(f, driver)).push(")");
    sql.fetch_count(pool).await
}

/// One page of the selection on SQLite: up to `limit` rows after `after`, within `budget`.
pub(super) async fn list_within(
    pool: &SqlitePool,
    f: &Filter,
    sort: Sort,
    after: Option<&Cursor>,
    limit: i64,
    budget: Budget,
) -> sqlx::Result<Page> {
    if let Some(d) = counted_driver(pool, f, sort, budget.drive).await? {
        return driven(pool, f, d, sort, after, limit).await;
    }
    // With a text to search, a short walk first: a common word fills its page within it. When
    // it does not, the text search is asked whether its matches are few enough to drive (a rare
    // name); only if not does the full walk run.
    if let Some(q) = &f.q
        && q.chars().count() >= MIN_INDEXED_CHARS
    {
        let probe = walk::walk(pool, f, sort, after, limit, budget.walk / PROBE_SHARE).await?;
        if probe.searched_to.is_none() {
            return Ok(probe);
        }
        if let Some(ids) = small_search(pool, q, budget.drive).await? {
            return driven(pool, f, Driver::Search(ids), sort, after, limit).await;
        }
    }
    walk::walk(pool, f, sort, after, limit, budget.walk).await
}

/// How many assessments match a selection, as far as a count in bounded time can tell.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Count {
    /// Exactly this many.
    Exact(i64),
    /// More than this many (the count stopped there).
    MoreThan(i64),
    /// `found` among the newest `searched` assessments; the older ones were not counted.
    AtLeast { found: i64, searched: i64 },
}

/// How much work a count may do. [`CountBudget::default`] is what the list uses.
#[derive(Debug, Clone, Copy)]
pub struct CountBudget {
    /// Matches counted exactly; past this the count says "more than".
    pub cap: i64,
    /// Index entries the count may examine.
    pub entries: i64,
    /// Index entries the count may examine when it searches a text.
    pub text_entries: i64,
    /// The largest set that is counted by itself instead of by a walk.
    pub drive: i64,
}

impl Default for CountBudget {
    fn default() -> Self {
        CountBudget {
            cap: COUNT_CAP,
            entries: COUNT_ENTRIES,
            text_entries: COUNT_TEXT_ENTRIES,
            drive: DRIVING_LIMIT,
        }
    }
}

/// How many assessments match `f` on SQLite, within `budget`: exact up to its cap.
///
/// Like the list, a small set is counted by itself: a tag's, the assessments with a lead, or a
/// text search's when the
/// trigram index finds at most [`COUNT_SEARCH_LIMIT`] candidates. Otherwise the count walks the newest entries
/// along the list's own index, testing each, until it has passed the cap or examined its budget
/// of entries (a smaller one when a text is searched, whose test costs the most).
pub(super) async fn count_within(
    pool: &SqlitePool,
    f: &Filter,
    budget: CountBudget,
) -> sqlx::Result<Count> {
    let capped = |n: i64| {
        if n > budget.cap {
            Count::MoreThan(budget.cap)
        } else {
            Count::Exact(n)
        }
    };
    if let Some(d) = counted_driver(pool, f, Sort::NewestFirst, budget.drive).await? {
        return Ok(capped(driven_count(pool, f, &d).await?));
    }
    if let Some(q) = &f.q
        && let Some(ids) = small_search(pool, q, budget.drive.min(COUNT_SEARCH_LIMIT)).await?
    {
        return Ok(capped(driven_count(pool, f, &Driver::Search(ids)).await?));
    }
    let entries = if f.q.is_some() {
        budget.text_entries
    } else {
        budget.entries
    }
    .max(1);
    let walked = walk::count(pool, f, entries, budget.cap).await?;
    if walked.complete || walked.found > budget.cap {
        return Ok(capped(walked.found));
    }
    Ok(Count::AtLeast {
        found: walked.found,
        searched: entries,
    })
}

/// The export's query over the full rows: `select` (the columns, over `assessments a`), then
/// the selection's FROM and WHERE, newest first; and the values to bind, in order.
pub(super) fn export_sql(select: &str, f: &Filter) -> (String, Vec<String>) {
    let mut sql = Sql::new(select);
    sql::export_selection(f, &mut sql);
    sql.into_text_binds()
}
