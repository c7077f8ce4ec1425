//! The review list on PostgreSQL: the same selection, order, keyset paging and capped count as
//! the SQLite version, planned by PostgreSQL over `review_list`'s indexes
//! (migrations/postgres) instead of walked by hand.
//!
//! Without a text to search, a page is one query: the filters, the cursor, the order, the limit.
//! The planner has what it needs to choose well: a B-tree for each order alone and within each
//! equality filter (status, verdict, flagged, has a lead), a GIN index of the tags, statistics
//! on the date and tag columns, so it walks an order when the filters are common and collects
//! and sorts their rows when they are rare. Every such page is complete (`searched_to` is
//! `None`).
//!
//! A text search (`q`, ILIKE '%q%' on the company or any note) is the one filter whose share
//! the planner cannot estimate well (it matches the pattern against a sample of names), so the
//! plan is chosen here, cheapest first:
//! - with other filters that narrow the list (all but "not flagged"), the rows that pass the
//!   text and all of them are collected by intersecting their indexes (the trigram indexes' and
//!   the filters' bitmaps) and sorted, when they are at most [`INTERSECT_LIMIT`]; a walk in
//!   list order would read every row that passes the other filters until the text's fill a
//!   page;
//! - otherwise, a common word's page is looked for among the first [`SHORT_WALK`] rows in list
//!   order, then a rare text's matches come from the trigram indexes alone and are sorted;
//! - a text too short for the trigram index is searched by a walk with a budget, which may stop
//!   before the page is full and say how far it searched;
//! - what is left, a common text (with or without filters), is the planner's: its matches are
//!   dense enough that walking the list order fills a page quickly.
//!
//! All SQL is fixed text; every value a consultant sends is bound. Queries are not kept as
//! prepared statements: a plan chosen for one set of values (a generic plan) would serve the
//! next page badly, so each is planned with its values.

use sqlx::{Executor, FromRow, PgPool, Postgres, QueryBuilder, Transaction};

use super::sql::like_pattern;
use super::{COUNT_CAP, Count, Cursor, Filter, ListRow, Page, Sort};

/// Separates the note texts in `review_list.note_text`.
const SEPARATOR: char = '\u{1f}';

/// A text search collects its matches when there are at most this many: fetching and sorting
/// them by key takes a few milliseconds.
const DRIVING_LIMIT: i64 = 1_000;

/// A text search narrowed by other filters collects the rows that pass them all when there are
/// at most this many (after the cursor): the indexes' bitmaps intersected, then only those
/// rows read and sorted.
const INTERSECT_LIMIT: i64 = 4_000;

/// Rows a common text's page is first looked for among, in list order.
const SHORT_WALK: i64 = 2_500;

/// Rows a walk may test for one page, when the text search is too short for the trigram index.
const WALK_BUDGET: i64 = 5_000;

/// Rows a count that searches a text too common to collect may test.
const COUNT_TEXT_ROWS: i64 = 10_000;

/// The trigrams of the search the index is asked for, at most this many: each is a posting list
/// to read, and a few rare ones narrow the candidates as well as all of them.
const INDEX_TRIGRAMS: usize = 3;

/// The listed columns, over `review_list a`.
const LIST_COLUMNS: &str = "a.id, a.created_at, a.company, a.employees, a.recommendation, \
    a.confidence, a.score, a.status, a.flagged, a.lead_count";

/// The listed columns plus those a text search tests.
const WALK_COLUMNS: &str = "a.id, a.created_at, a.company, a.employees, a.recommendation, \
    a.confidence, a.score, a.status, a.flagged, a.lead_count, a.note_text";

type Sql = QueryBuilder<Postgres>;

/// Appends ` AND <test>` for every filter but the text search, on `review_list a`.
fn push_filters(sql: &mut Sql, f: &Filter) {
    if let Some(r) = &f.recommendation {
        sql.push(" AND a.recommendation = ").push_bind(r.clone());
    }
    if let Some(from) = &f.from {
        sql.push(" AND a.created_at >= ").push_bind(from.clone());
    }
    if let Some(to) = &f.to_before {
        sql.push(" AND a.created_at < ").push_bind(to.clone());
    }
    if let Some(s) = &f.status {
        sql.push(" AND a.status = ").push_bind(s.clone());
    }
    match f.flagged {
        Some(true) => {
            sql.push(" AND a.flagged IS NOT NULL");
        }
        Some(false) => {
            sql.push(" AND a.flagged IS NULL");
        }
        None => {}
    }
    if f.has_lead {
        // Literally the partial indexes' condition, so the planner can use them.
        sql.push(" AND a.lead_count > 0");
    }
    if let Some(t) = &f.tag {
        // Literally the GIN index's expression (migrations/postgres/…_review_list_tags.sql),
        // so the planner can intersect the tag's rows with the other filters' indexes.
        sql.push(" AND string_to_array(a.tag_list, E'\\x1f') @> ")
            .push_bind(vec![t.clone()]);
    }
}

/// Appends ` AND <text test>`: `q` in the company or in any note, ASCII letters in either case
/// (ILIKE in the columns' "C" collation folds ASCII only, as SQLite's LIKE), wildcards escaped.
/// A `q` holding the notes' separator is tested against `notes` itself, as on SQLite.
fn push_text_test(sql: &mut Sql, q: &str) {
    let p = like_pattern(q);
    sql.push(" AND (a.company ILIKE ").push_bind(p.clone());
    if q.contains(SEPARATOR) {
        sql.push(
            " OR EXISTS (SELECT 1 FROM notes n WHERE n.assessment_id = a.id \
             AND n.kind = 'note' AND n.body ILIKE ",
        )
        .push_bind(p)
        .push("))");
    } else {
        sql.push(" OR a.note_text ILIKE ").push_bind(p).push(")");
    }
}

/// Appends ` AND` the rows after `c` in `sort` order.
fn push_after(sql: &mut Sql, sort: Sort, c: &Cursor) {
    let op = if sort.is_ascending() { ">" } else { "<" };
    if sort.is_by_score() {
        sql.push(format_args!(" AND (a.score, a.id) {op} ("))
            .push_bind(c.value.parse::<f64>().unwrap_or(0.0));
    } else {
        sql.push(format_args!(" AND (a.created_at, a.id) {op} ("))
            .push_bind(c.value.clone());
    }
    sql.push(", ").push_bind(c.id.clone()).push(")");
}

/// Appends the rows of `review_list a` that pass every filter but the text search, after
/// `after` in `sort` order: `SELECT columns FROM … WHERE …`, without order or limit.
fn push_selection(sql: &mut Sql, f: &Filter, sort: Sort, after: Option<&Cursor>, columns: &str) {
    sql.push("SELECT ")
        .push(columns)
        .push(" FROM review_list a WHERE TRUE");
    push_filters(sql, f);
    if let Some(c) = after.filter(|c| !implied(f, sort, c)) {
        push_after(sql, sort, c);
    }
}

/// Whether every row in `f`'s date range comes after `c` in `sort` order, so the cursor tests
/// nothing: e.g. oldest first from October, after a row of April. Then it is left out: the
/// B-tree would otherwise start its scan at the cursor, the one bound it cannot weigh against
/// the date's, and pass over every row between the two (300,000 at a million rows).
fn implied(f: &Filter, sort: Sort, c: &Cursor) -> bool {
    if sort.is_by_score() {
        return false;
    }
    // RFC 3339 texts in the columns' "C" collation compare as Rust compares their bytes.
    if sort.is_ascending() {
        f.from
            .as_deref()
            .is_some_and(|from| from > c.value.as_str())
    } else {
        f.to_before
            .as_deref()
            .is_some_and(|to| to <= c.value.as_str())
    }
}

/// [`push_selection`] as a query of its own.
fn selection(f: &Filter, sort: Sort, after: Option<&Cursor>, columns: &str) -> Sql {
    let mut sql = Sql::new("");
    push_selection(&mut sql, f, sort, after, columns);
    sql
}

/// A read-only transaction for one page or count: one snapshot for its queries, and no
/// parallel workers (starting them costs more than such a query, and they take cores the
/// other requests need).
async fn reading(pool: &PgPool) -> sqlx::Result<Transaction<'static, Postgres>> {
    let mut tx = pool.begin().await?;
    tx.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        .await?;
    tx.execute("SET LOCAL max_parallel_workers_per_gather = 0")
        .await?;
    // The list's rows and indexes are read from memory or SSD, where a page out of order
    // costs little more than the next one: with the default (4, for spinning disks) the
    // planner would scan the whole table rather than look up a few thousand rows by key.
    tx.execute("SET LOCAL random_page_cost = 1.1").await?;
    Ok(tx)
}

/// The page when the planner has everything: one query.
async fn planned(
    pool: &PgPool,
    f: &Filter,
    sort: Sort,
    after: Option<&Cursor>,
    limit: i64,
) -> sqlx::Result<Page> {
    // The page's ids first, then their rows: the ids can come from the covering indexes
    // alone, so only the rows shown are read from the table.
    let mut sql = Sql::new("SELECT ");
    sql.push(LIST_COLUMNS)
        .push(" FROM review_list a WHERE a.id IN (");
    push_selection(&mut sql, f, sort, after, "a.id");
    if let Some(q) = &f.q {
        push_text_test(&mut sql, q);
    }
    sql.push(sort.order_by())
        .push(" LIMIT ")
        .push_bind(limit)
        .push(")")
        .push(sort.order_by());
    let rows = rows_of(pool, &mut sql).await?;
    Ok(Page {
        rows,
        searched_to: None,
    })
}

/// Which search this is for the trigram index: up to [`INDEX_TRIGRAMS`] runs of three ASCII
/// letters or digits from `q`, in order and not overlapping, as a LIKE pattern
/// (`%har%den%oup%`). Every text containing `q` matches it, and each run is exactly one trigram
/// of the index, so the index reads few posting lists. `None` when `q` has no such run: the
/// index could only be read whole.
fn index_pattern(q: &str) -> Option<String> {
    let chars: Vec<char> = q.chars().collect();
    let mut runs = Vec::new();
    let mut i = 0;
    while i + 3 <= chars.len() {
        if chars[i..i + 3].iter().all(char::is_ascii_alphanumeric) {
            runs.push(i);
            i += 3;
        } else {
            i += 1;
        }
    }
    if runs.is_empty() {
        return None;
    }
    // Spread over the text: first, last and evenly between.
    let picked: Vec<usize> = if runs.len() <= INDEX_TRIGRAMS {
        runs
    } else {
        let last = runs.len() - 1;
        let mut p: Vec<usize> = (0..INDEX_TRIGRAMS)
            .map(|k| runs[k * last / (INDEX_TRIGRAMS - 1)])
            .collect();
        p.dedup();
        p
    };
    let mut pattern = String::from("%");
    for start in picked {
        pattern.extend(&chars[start..start + 3]);
        pattern.push('%');
    }
    Some(pattern)
}

/// The assessments whose company or note contains `q`, when there are at most `limit` of them
/// and the trigram index can find them; `None` otherwise.
///
/// Only the trigram indexes may answer (no walk of the table, however the planner estimates
/// the text): their candidates for a few of the text's trigrams, then the exact test on those.
async fn small_search(pool: &PgPool, q: &str, limit: i64) -> sqlx::Result<Option<Vec<String>>> {
    let Some(pattern) = index_pattern(q) else {
        return Ok(None);
    };
    if q.contains(SEPARATOR) {
        return Ok(None);
    }
    let exact = like_pattern(q);
    // OFFSET 0 keeps the exact test out of the index scan, which would read every trigram.
    let mut sql = Sql::new(
        "SELECT c.id FROM (SELECT a.id, a.company, a.note_text FROM review_list a \
         WHERE a.company ILIKE ",
    );
    sql.push_bind(pattern.clone())
        .push(" OR a.note_text ILIKE ")
        .push_bind(pattern)
        .push(" OFFSET 0) c WHERE c.company ILIKE ")
        .push_bind(exact.clone())
        .push(" OR c.note_text ILIKE ")
        .push_bind(exact)
        .push(" LIMIT ")
        .push_bind(limit + 1);
    let mut tx = reading(pool).await?;
    // Bitmap scans of the trigram indexes are then the only plan.
    tx.execute("SET LOCAL enable_seqscan = off").await?;
    tx.execute("SET LOCAL enable_indexscan = off").await?;
    let ids: Vec<String> = sql
        .build_query_scalar()
        .persistent(false)
        .fetch_all(&mut *tx)
        .await?;
    tx.rollback().await?;
    Ok((ids.len() as i64 <= limit).then_some(ids))
}

/// Whether `f` has a filter besides the text search that leaves out most rows and has an index
/// to intersect: everything but "not flagged", which nearly every row passes.
fn narrows(f: &Filter) -> bool {
    f.recommendation.is_some()
        || f.from.is_some()
        || f.to_before.is_some()
        || f.status.is_some()
        || f.tag.is_some()
        || f.flagged == Some(true)
        || f.has_lead
}

/// A read-only transaction in which the planner can only intersect index bitmaps: the
/// trigram indexes' with those of the other filters (`narrows`), so exactly the rows that pass
/// them all are read from the table, however common the text alone is. Walking an order
/// instead would read every row that passes the other filters until a page of the text's is
/// found: at 1,000,000 rows, a verdict and a month with a common word read ~30,000 rows.
async fn intersecting(pool: &PgPool) -> sqlx::Result<Transaction<'static, Postgres>> {
    let mut tx = reading(pool).await?;
    tx.execute("SET LOCAL enable_seqscan = off").await?;
    tx.execute("SET LOCAL enable_indexscan = off").await?;
    tx.execute("SET LOCAL enable_indexonlyscan = off").await?;
    Ok(tx)
}

/// A listed row and how many rows its query collected.
#[derive(FromRow)]
struct Collected {
    #[sqlx(flatten)]
    row: ListRow,
    collected: i64,
}

/// The page of a text search narrowed by other filters (`narrows`), when at most `cap`
/// ([`INTERSECT_LIMIT`]) rows after `after` pass the text and the filters; `None` otherwise.
async fn intersected(
    pool: &PgPool,
    f: &Filter,
    q: &str,
    (sort, after): (Sort, Option<&Cursor>),
    limit: i64,
    cap: i64,
) -> sqlx::Result<Option<Page>> {
    let mut sql = Sql::new("SELECT ");
    sql.push(LIST_COLUMNS)
        .push(", count(*) OVER () AS collected FROM (");
    push_selection(&mut sql, f, sort, after, LIST_COLUMNS);
    push_text_test(&mut sql, q);
    sql.push(" LIMIT ")
        .push_bind(cap + 1)
        .push(") a")
        .push(sort.order_by())
        .push(" LIMIT ")
        .push_bind(limit);
    let mut tx = intersecting(pool).await?;
    let rows: Vec<Collected> = sql
        .build_query_as()
        .persistent(false)
        .fetch_all(&mut *tx)
        .await?;
    tx.rollback().await?;
    if rows.first().is_some_and(|r| r.collected > cap) {
        return Ok(None);
    }
    Ok(Some(Page {
        rows: rows.into_iter().map(|r| r.row).collect(),
        searched_to: None,
    }))
}

/// The page of a text search whose matches `ids` are few: those rows, filtered and sorted.
async fn driven(
    pool: &PgPool,
    f: &Filter,
    ids: Vec<String>,
    sort: Sort,
    after: Option<&Cursor>,
    limit: i64,
) -> sqlx::Result<Page> {
    let mut sql = selection(f, sort, after, LIST_COLUMNS);
    sql.push(" AND a.id = ANY(")
        .push_bind(ids)
        .push(")")
        .push(sort.order_by())
        .push(" LIMIT ")
        .push_bind(limit);
    let rows = rows_of(pool, &mut sql).await?;
    Ok(Page {
        rows,
        searched_to: None,
    })
}

/// The page of a walk: the matches of `q` among the first `budget` rows in list order that
/// pass the other filters, up to `limit`.
fn walk_page(
    f: &Filter,
    q: &str,
    (sort, after): (Sort, Option<&Cursor>),
    limit: i64,
    budget: i64,
) -> Sql {
    let mut page = Sql::new("SELECT ");
    page.push(LIST_COLUMNS).push(" FROM (");
    push_selection(&mut page, f, sort, after, WALK_COLUMNS);
    page.push(sort.order_by())
        .push(" LIMIT ")
        .push_bind(budget)
        .push(") a WHERE TRUE");
    push_text_test(&mut page, q);
    page.push(sort.order_by()).push(" LIMIT ").push_bind(limit);
    page
}

/// The page of a common text: full within the first [`SHORT_WALK`] rows in list order that
/// pass the other filters; `None` when they hold fewer than `limit` matches.
async fn short_walk(
    pool: &PgPool,
    f: &Filter,
    q: &str,
    (sort, after): (Sort, Option<&Cursor>),
    limit: i64,
) -> sqlx::Result<Option<Page>> {
    let mut page = walk_page(f, q, (sort, after), limit, SHORT_WALK);
    let rows = rows_of(pool, &mut page).await?;
    Ok((rows.len() as i64 == limit).then_some(Page {
        rows,
        searched_to: None,
    }))
}

/// A text search's walk: the first `budget` rows in list order that pass the other filters
/// (the planner chooses how to find them), each tested for the text. The page holds the
/// matches among them, up to `limit`; when it is not full and the walk stopped at its budget,
/// `searched_to` is the last row it tested.
async fn walk(
    pool: &PgPool,
    f: &Filter,
    q: &str,
    sort: Sort,
    after: Option<&Cursor>,
    limit: i64,
    budget: i64,
) -> sqlx::Result<Page> {
    let mut page = walk_page(f, q, (sort, after), limit, budget);
    let mut end = selection(f, sort, after, "a.created_at, a.score, a.id");
    end.push(sort.order_by())
        .push(" LIMIT 1 OFFSET ")
        .push_bind(budget - 1);

    // One snapshot for the page and the position it reached.
    let mut tx = reading(pool).await?;
    let rows: Vec<ListRow> = page
        .build_query_as()
        .persistent(false)
        .fetch_all(&mut *tx)
        .await?;
    let searched_to = if (rows.len() as i64) < limit {
        let last: Option<(String, f64, String)> = end
            .build_query_as()
            .persistent(false)
            .fetch_optional(&mut *tx)
            .await?;
        last.map(|(created_at, score, id)| Cursor::at(sort, &created_at, score, &id))
    } else {
        None
    };
    tx.rollback().await?;
    Ok(Page { rows, searched_to })
}

/// One page of the selection: up to `limit` rows after `after`.
pub async fn list(
    pool: &PgPool,
    f: &Filter,
    sort: Sort,
    after: Option<&Cursor>,
    limit: i64,
) -> sqlx::Result<Page> {
    let Some(q) = &f.q else {
        return planned(pool, f, sort, after, limit).await;
    };
    if index_pattern(q).is_none() {
        return walk(pool, f, q, sort, after, limit, WALK_BUDGET).await;
    }
    // A text whose matches are few is among them: they pass the filters too.
    if narrows(f) && !q.contains(SEPARATOR) {
        if let Some(page) = intersected(pool, f, q, (sort, after), limit, INTERSECT_LIMIT).await? {
            return Ok(page);
        }
        return planned(pool, f, sort, after, limit).await;
    }
    // A common word fills its page among the first rows: no need to ask the trigram index,
    // whose posting lists are long for it.
    if let Some(page) = short_walk(pool, f, q, (sort, after), limit).await? {
        return Ok(page);
    }
    if let Some(ids) = small_search(pool, q, DRIVING_LIMIT).await? {
        return driven(pool, f, ids, sort, after, limit).await;
    }
    planned(pool, f, sort, after, limit).await
}

/// How many assessments match `f`: exact up to [`COUNT_CAP`], [`Count::MoreThan`] past it, as
/// on SQLite. A text search too common to collect and too rare to pass the cap among the first
/// rows is counted among the newest [`COUNT_TEXT_ROWS`] that pass the other filters
/// ([`Count::AtLeast`]).
pub async fn count(pool: &PgPool, f: &Filter) -> sqlx::Result<Count> {
    let capped = |n: i64| {
        if n > COUNT_CAP {
            Count::MoreThan(COUNT_CAP)
        } else {
            Count::Exact(n)
        }
    };
    let Some(q) = &f.q else {
        let mut sql = Sql::new("SELECT count(*) FROM (");
        push_selection(&mut sql, f, Sort::NewestFirst, None, "1");
        sql.push(" LIMIT ").push_bind(COUNT_CAP + 1).push(") s");
        let n = counted(&mut sql, reading(pool).await?).await?;
        return Ok(capped(n));
    };
    if narrows(f) && !q.contains(SEPARATOR) && index_pattern(q).is_some() {
        let mut sql = Sql::new("SELECT count(*) FROM (");
        push_selection(&mut sql, f, Sort::NewestFirst, None, "1");
        push_text_test(&mut sql, q);
        sql.push(" LIMIT ")
            .push_bind(INTERSECT_LIMIT + 1)
            .push(") s");
        let n = counted(&mut sql, intersecting(pool).await?).await?;
        if n <= INTERSECT_LIMIT {
            return Ok(capped(n));
        }
    }
    // The newest rows first: they count a text exactly when the other filters pass fewer than
    // [`COUNT_TEXT_ROWS`], and show how common it is otherwise.
    let mut sql = Sql::new("SELECT count(*) FILTER (WHERE TRUE");
    push_text_test(&mut sql, q);
    sql.push(
        "), count(*), (SELECT reltuples FROM pg_class WHERE oid = 'review_list'::regclass) FROM (",
    );
    push_selection(&mut sql, f, Sort::NewestFirst, None, WALK_COLUMNS);
    sql.push(Sort::NewestFirst.order_by())
        .push(" LIMIT ")
        .push_bind(COUNT_TEXT_ROWS)
        .push(") a");
    let mut tx = reading(pool).await?;
    let (found, tested, rows): (i64, i64, f32) = sql
        .build_query_as()
        .persistent(false)
        .fetch_one(&mut *tx)
        .await?;
    tx.rollback().await?;
    if found > COUNT_CAP || tested < COUNT_TEXT_ROWS {
        return Ok(capped(found));
    }
    // A text as common in the whole list (PostgreSQL's estimate of its rows; negative before
    // the first ANALYZE) as among the newest would have too many matches to collect.
    let expected = f64::from(rows) * found as f64 / tested as f64;
    if (rows < 0.0 || expected <= 2.0 * DRIVING_LIMIT as f64)
        && let Some(ids) = small_search(pool, q, DRIVING_LIMIT).await?
    {
        let mut sql = selection(f, Sort::NewestFirst, None, "count(*)");
        sql.push(" AND a.id = ANY(").push_bind(ids).push(")");
        let n = counted(&mut sql, reading(pool).await?).await?;
        return Ok(capped(n));
    }
    Ok(Count::AtLeast {
        found,
        searched: COUNT_TEXT_ROWS,
    })
}

/// The listed rows `sql` selects, read in a transaction of its own.
async fn rows_of(pool: &PgPool, sql: &mut Sql) -> sqlx::Result<Vec<ListRow>> {
    let mut tx = reading(pool).await?;
    let rows = sql
        .build_query_as()
        .persistent(false)
        .fetch_all(&mut *tx)
        .await?;
    tx.rollback().await?;
    Ok(rows)
}

/// The count `sql` selects, read in `tx`.
async fn counted(sql: &mut Sql, mut tx: Transaction<'static, Postgres>) -> sqlx::Result<i64> {
    let n = sql
        .build_query_scalar()
        .persistent(false)
        .fetch_one(&mut *tx)
        .await?;
    tx.rollback().await?;
    Ok(n)
}

/// The export's query: `select` (columns over `assessments a`) for every assessment the
/// selection holds, newest first, to stream.
pub(in crate::db) fn export_query(select: &str, f: &Filter) -> Sql {
    let mut sql = Sql::new(select);
    sql.push(" FROM assessments a WHERE a.id IN (");
    push_selection(&mut sql, f, Sort::NewestFirst, None, "a.id");
    if let Some(q) = &f.q {
        push_text_test(&mut sql, q);
    }
    sql.push(")").push(Sort::NewestFirst.order_by());
    sql
}

#[cfg(test)]
mod tests;
