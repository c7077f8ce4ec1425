//! The bounded walk: the list in its own order along one covering index, every filter tested on
//! the index entry, stopping when the page is full or after a fixed number of entries.
//!
//! A filter that matches one row in ten thousand would otherwise read the whole index before a
//! page fills. With the budget, a page costs at most that many entries; when the budget runs out
//! first, the page says how far it searched and the next request carries on from there.

use sqlx::{FromRow, SqlitePool};

use super::sql::{Applied, Sql, Value, WALK_COLUMNS, row_tests};
use super::{Cursor, Filter, ListRow, Page, Sort};

/// The covering index a walk reads, and the equality that selects its part of it.
struct Index {
    name: &'static str,
    /// ` AND …` that must accompany the index (its prefix, or its partial-index condition).
    prefix: Sql,
}

/// The index of the rarest equality filter, so the budget is spent on rows that already pass
/// it: flagged submissions are few; in a score order a verdict is a band of scores, which its
/// own index walks without passing the other bands; otherwise a status is usually rarer than a
/// verdict.
fn index(f: &Filter, sort: Sort) -> Index {
    let by_score = sort.is_by_score();
    let pick = |created: &'static str, score: &'static str| if by_score { score } else { created };
    let equal = |test: &str, value: &String| {
        let mut prefix = Sql::default();
        prefix.push_bound(test, [Value::Text(value.clone())]);
        prefix
    };
    if f.flagged == Some(true) {
        return Index {
            name: pick(
                "review_list_walk_flagged_created",
                "review_list_walk_flagged_score",
            ),
            prefix: Sql::new(" AND a.flagged IS NOT NULL"),
        };
    }
    match (&f.status, &f.recommendation) {
        (_, Some(verdict)) if by_score || f.status.is_none() => Index {
            name: pick(
                "review_list_walk_recommendation_created",
                "review_list_walk_recommendation_score",
            ),
            prefix: equal(" AND a.recommendation = ?", verdict),
        },
        (Some(status), _) => Index {
            name: pick(
                "review_list_walk_status_created",
                "review_list_walk_status_score",
            ),
            prefix: equal(" AND a.status = ?", status),
        },
        _ => Index {
            name: pick("review_list_walk_created", "review_list_walk_score"),
            prefix: Sql::default(),
        },
    }
}

/// One end of the walk's range: `(sort key, id) op (value, id)`.
#[derive(Debug, Clone, PartialEq)]
struct Bound {
    op: &'static str,
    value: Value,
    id: String,
}

/// The walk's range along the index: the cursor, and for a date order the date filters too, as
/// one lower and one upper row-value bound. SQLite uses one of each as the range of the index
/// scan; a second bound on the same side would only be tested per entry, after the budget's
/// LIMIT has already counted the entries it rejects.
fn bounds(f: &Filter, sort: Sort, after: Option<&Cursor>) -> Vec<Bound> {
    let cursor = after.map(|c| Bound {
        op: if sort.is_ascending() { ">" } else { "<" },
        value: sort.key_value(&c.value),
        id: c.id.clone(),
    });
    if sort.is_by_score() {
        return cursor.into_iter().collect();
    }
    let text = |b: &Bound| match &b.value {
        Value::Text(s) => (s.clone(), b.id.clone()),
        _ => (String::new(), b.id.clone()),
    };
    // `created_at >= from` is `(created_at, id) >= (from, '')`: no id sorts before ''. Likewise
    // `created_at < to` is `(created_at, id) < (to, '')`.
    let from = f.from.as_ref().map(|v| Bound {
        op: ">=",
        value: Value::Text(v.clone()),
        id: String::new(),
    });
    let to = f.to_before.as_ref().map(|v| Bound {
        op: "<",
        value: Value::Text(v.clone()),
        id: String::new(),
    });
    // Of two bounds on one side, the tighter: the larger lower bound, the smaller upper bound
    // (on a tie an exclusive bound is the tighter).
    let tighter = |a: Option<Bound>, b: Option<Bound>, lower: bool| match (a, b) {
        (Some(a), Some(b)) => {
            let (ka, kb) = (text(&a), text(&b));
            let a_wins = if ka == kb {
                !a.op.contains('=')
            } else {
                (ka > kb) == lower
            };
            Some(if a_wins { a } else { b })
        }
        (a, b) => a.or(b),
    };
    let (lower, upper) = if sort.is_ascending() {
        (tighter(cursor, from, true), to)
    } else {
        (from, tighter(cursor, to, false))
    };
    lower.into_iter().chain(upper).collect()
}

/// The walk's entries in order: the index, its range, its order.
fn range(index: &Index, bounds: &[Bound], sort: Sort, columns: &str) -> Sql {
    let mut sql = Sql::new("SELECT ");
    sql.push(columns)
        .push(" FROM review_list AS a INDEXED BY ")
        .push(index.name)
        .push(" WHERE 1 = 1")
        .append(&index.prefix);
    let key = if sort.is_by_score() {
        " AND (a.score, a.id) "
    } else {
        " AND (a.created_at, a.id) "
    };
    for b in bounds {
        sql.push(key)
            .push(b.op)
            .push_bound(" (?, ?)", [b.value.clone(), Value::Text(b.id.clone())]);
    }
    sql.push(sort.order_by());
    sql
}

#[derive(FromRow)]
struct Position {
    created_at: String,
    score: f64,
    id: String,
}

/// A walk's two queries: the page (at most `limit` matches among the first `budget` entries)
/// and the position of the last of those entries.
fn queries(f: &Filter, sort: Sort, after: Option<&Cursor>, limit: i64, budget: i64) -> (Sql, Sql) {
    let index = index(f, sort);
    let bounds = bounds(f, sort, after);
    let mut page = Sql::new("SELECT ");
    page.push(super::sql::LIST_COLUMNS)
        .push(" FROM (")
        .append(&range(&index, &bounds, sort, WALK_COLUMNS))
        .push_bound(" LIMIT ?) AS a WHERE 1 = 1", [Value::Int(budget)]);
    row_tests(f, Applied::default(), &mut page);
    page.push(sort.order_by())
        .push_bound(" LIMIT ?", [Value::Int(limit)]);
    let mut end = range(&index, &bounds, sort, "a.created_at, a.score, a.id");
    end.push_bound(" LIMIT 1 OFFSET ?", [Value::Int(budget - 1)]);
    (page, end)
}

/// Up to `limit` matching rows after `after`, looking at no more than `budget` index entries.
pub(super) async fn walk(
    pool: &SqlitePool,
    f: &Filter,
    sort: Sort,
    after: Option<&Cursor>,
    limit: i64,
    budget: i64,
) -> sqlx::Result<Page> {
    let (page, end) = queries(f, sort, after, limit, budget.max(1));
    // One snapshot for the page and the position it reached, so that both describe the same
    // list even while assessments arrive.
    let mut tx = pool.begin().await?;
    let rows: Vec<ListRow> = page.fetch_all(&mut *tx).await?;
    let searched_to = if (rows.len() as i64) < limit {
        let last: Option<Position> = end.fetch_optional(&mut *tx).await?;
        last.map(|p| Cursor::at(sort, &p.created_at, p.score, &p.id))
    } else {
        None
    };
    tx.commit().await?;
    Ok(Page { rows, searched_to })
}

/// What a counting walk found.
pub(super) struct Counted {
    /// Matches found, up to one past the cap.
    pub(super) found: i64,
    /// Whether the walk examined every entry of its range, so that `found` is every match.
    pub(super) complete: bool,
}

/// A counting walk's two queries: the matches among the first `budget` entries, up to one past
/// `cap`, and the entry after the budget, if any.
fn count_queries(f: &Filter, budget: i64, cap: i64) -> (Sql, Sql) {
    let sort = Sort::NewestFirst;
    let index = index(f, sort);
    let bounds = bounds(f, sort, None);
    let mut counted = Sql::new("SELECT count(*) FROM (SELECT 1 FROM (");
    counted
        .append(&range(&index, &bounds, sort, WALK_COLUMNS))
        .push_bound(" LIMIT ?) AS a WHERE 1 = 1", [Value::Int(budget)]);
    row_tests(f, Applied::default(), &mut counted);
    counted.push_bound(" LIMIT ?)", [Value::Int(cap + 1)]);
    let mut beyond = range(&index, &bounds, sort, "a.id");
    beyond.push_bound(" LIMIT 1 OFFSET ?", [Value::Int(budget)]);
    (counted, beyond)
}

/// Counts the matches among the newest `budget` entries of the selection's index and range,
/// stopping one past `cap`.
pub(super) async fn count(
    pool: &SqlitePool,
    f: &Filter,
    budget: i64,
    cap: i64,
) -> sqlx::Result<Counted> {
    let (counted, beyond) = count_queries(f, budget, cap);
    let mut tx = pool.begin().await?;
    let found: i64 = counted.fetch_count(&mut *tx).await?;
    let complete = found > cap || {
        let next: Option<(String,)> = beyond.fetch_optional(&mut *tx).await?;
        next.is_none()
    };
    tx.commit().await?;
    Ok(Counted { found, complete })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn filter(from: Option<&str>, to: Option<&str>) -> Filter {
        Filter {
            from: from.map(str::to_owned),
            to_before: to.map(str::to_owned),
            ..Filter::default()
        }
    }

    fn cursor(v: &str) -> Cursor {
        Cursor {
            value: v.to_owned(),
            id: "x".to_owned(),
        }
    }

    fn ops(b: &[Bound]) -> Vec<(&'static str, Value)> {
        b.iter().map(|b| (b.op, b.value.clone())).collect()
    }

    fn t(s: &str) -> Value {
        Value::Text(s.to_owned())
    }

    #[test]
    fn a_date_order_walks_only_inside_the_date_range() {
        let f = filter(Some("2026-01"), Some("2026-02"));
        assert_eq!(
            ops(&bounds(&f, Sort::NewestFirst, None)),
            [(">=", t("2026-01")), ("<", t("2026-02"))]
        );
        let inside = cursor("2026-01-15");
        assert_eq!(
            ops(&bounds(&f, Sort::NewestFirst, Some(&inside))),
            [(">=", t("2026-01")), ("<", t("2026-01-15"))]
        );
        assert_eq!(
            ops(&bounds(&f, Sort::OldestFirst, Some(&inside))),
            [(">", t("2026-01-15")), ("<", t("2026-02"))]
        );
        let before = cursor("2025-12-31");
        assert_eq!(
            ops(&bounds(&f, Sort::OldestFirst, Some(&before))),
            [(">=", t("2026-01")), ("<", t("2026-02"))]
        );
        let later = cursor("2026-03-01");
        assert_eq!(
            ops(&bounds(&f, Sort::NewestFirst, Some(&later))),
            [(">=", t("2026-01")), ("<", t("2026-02"))]
        );
    }

    #[test]
    fn a_score_order_has_only_the_cursor_as_bound() {
        let f = filter(Some("2026-01"), None);
        assert!(bounds(&f, Sort::HighestScore, None).is_empty());
        assert_eq!(
            ops(&bounds(&f, Sort::LowestScore, Some(&cursor("-2.5")))),
            [(">", Value::Real(-2.5))]
        );
    }

    /// The budget only bounds the work if SQLite reads the entries straight from the covering
    /// index, within the range, in order: no table lookups, no sort that would read them all.
    #[tokio::test]
    async fn every_walk_reads_one_covering_index_in_order_within_its_range() {
        let dir = tempfile::tempdir().expect("temp dir");
        let url = format!("sqlite://{}", dir.path().join("plan.db").display());
        let db = crate::db::Db::connect(&url, 8).await.expect("database");
        let pool = db.as_sqlite().expect("SQLite");
        let s = |v: &str| Some(v.to_owned());
        let filters = [
            Filter::default(),
            Filter {
                q: s("ab"),
                tag: s("legal"),
                flagged: Some(false),
                has_lead: true,
                ..Filter::default()
            },
            Filter {
                status: s("won"),
                from: s("2026-01-01"),
                to_before: s("2026-02-01"),
                ..Filter::default()
            },
            Filter {
                recommendation: s("managed"),
                status: s("new"),
                ..Filter::default()
            },
            Filter {
                flagged: Some(true),
                recommendation: s("managed"),
                from: s("2026-01-01"),
                has_lead: true,
                ..Filter::default()
            },
        ];
        for f in &filters {
            for sort in [
                Sort::NewestFirst,
                Sort::OldestFirst,
                Sort::HighestScore,
                Sort::LowestScore,
            ] {
                let c = Cursor::at(sort, "2026-01-15", 1.5, "x");
                for after in [None, Some(&c)] {
                    let (page, end) = queries(f, sort, after, 51, 20_000);
                    let (counted, beyond) = count_queries(f, 100_000, 10_000);
                    let counts = if sort == Sort::NewestFirst && after.is_none() {
                        vec![counted, beyond]
                    } else {
                        Vec::new()
                    };
                    for q in [page, end].into_iter().chain(counts) {
                        let mut explain = Sql::new("EXPLAIN QUERY PLAN ");
                        explain.append(&q);
                        let plan: Vec<(i64, i64, i64, String)> =
                            explain.fetch_all(pool).await.expect("plan");
                        let plan: Vec<String> = plan.into_iter().map(|r| r.3).collect();
                        let context = format!("{f:?} {sort:?} {after:?}: {plan:?}");
                        assert!(plan.iter().all(|p| !p.contains("TEMP B-TREE")), "{context}");
                        let search = plan
                            .iter()
                            .find(|p| p.contains("review_list_walk_"))
                            .unwrap_or_else(|| panic!("{context}"));
                        assert!(search.contains("USING COVERING INDEX"), "{context}");
                        // Each bound of the range appears in the index search, none as a
                        // mere test after it.
                        let ranges = bounds(f, sort, after).len();
                        assert_eq!(search.matches(",id)").count(), ranges, "{context}");
                        if ranges == 0 && !search.contains('=') {
                            assert!(search.starts_with("SCAN"), "{context}");
                        }
                    }
                }
            }
        }
    }
}
