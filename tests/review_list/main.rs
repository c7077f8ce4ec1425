//! The review list against a plain reading of its filters: for every filter, sort and page size,
//! paging through the list (following "continue searching" positions where a walk stopped at
//! its budget) gives exactly the rows that one obvious SQL query over `assessments` gives, in
//! the same order, each once; and the list's narrow copy follows inserts, notes, tags, status
//! changes, leads and deletes.

#[path = "../common/database.rs"]
mod database;
mod reference;

use reference::{SORTS, expected, filters, id_for, seeded};
use servicefit::db;
use servicefit::db::Db;
use servicefit::db::review::{self, Budget, Count, CountBudget, Cursor, Filter, Page, Sort};

/// Every page of the selection, `limit` rows a page, following the cursor as the list page
/// does: from the last row of a full page, or from where a walk stopped searching.
async fn all_pages(
    pool: &Db,
    f: &Filter,
    sort: Sort,
    limit: i64,
    budget: Budget,
) -> (Vec<String>, usize) {
    let mut ids = Vec::new();
    let mut after: Option<Cursor> = None;
    let mut continued = 0;
    loop {
        let Page { rows, searched_to } =
            review::list_within(pool, f, sort, after.as_ref(), limit, budget)
                .await
                .expect("page");
        assert!(rows.len() as i64 <= limit);
        ids.extend(rows.iter().map(|r| r.id.clone()));
        after = if rows.len() as i64 == limit {
            assert!(searched_to.is_none(), "a full page needs no continuation");
            rows.last().map(|last| Cursor::of(sort, last))
        } else if let Some(to) = searched_to {
            continued += 1;
            Some(to)
        } else {
            None
        };
        if after.is_none() {
            break;
        }
        assert!(ids.len() <= 420 && continued <= 420, "paging must end");
    }
    (ids, continued)
}
#[tokio::test]
async fn every_filter_sort_and_page_size_pages_through_exactly_the_plain_querys_rows() {
    let (_dir, pool) = seeded().await;
    let filters = filters();
    assert_eq!(filters.len(), 25);
    // Sets drive when small (the list's own rule, at this table's scale), or never: every
    // selection then walks, with budgets far smaller than the table.
    let budgets = [
        Budget {
            walk: 20_000,
            drive: 60,
        },
        Budget {
            walk: 37,
            drive: 60,
        },
        Budget {
            walk: 11,
            drive: -1,
        },
    ];
    let mut continued = 0;
    for f in &filters {
        for sort in SORTS {
            let want = expected(&pool, f, sort).await;
            for limit in [1, 7, 51] {
                for budget in budgets {
                    let (got, steps) = all_pages(&pool, f, sort, limit, budget).await;
                    assert_eq!(got, want, "{f:?} {sort:?} limit {limit} {budget:?}");
                    continued += steps;
                }
            }
        }
    }
    // SQLite's walks stop at their budget and continue; PostgreSQL's planned pages need no
    // budget (its own walk, for texts too short for the trigram index, has a fixed one).
    if matches!(pool, Db::Sqlite(_)) {
        assert!(continued > 1_000, "the walks stopped at their budget");
    }
}

#[tokio::test]
async fn every_filter_is_counted_exactly_up_to_the_cap_or_says_how_far_it_counted() {
    let (_dir, pool) = seeded().await;
    if matches!(pool, Db::Postgres(_)) {
        // No budgets to shrink on PostgreSQL: each count is exact (the cap is checked at
        // 10,050 rows in tests/consultant_pages.rs).
        for f in &filters() {
            let want = expected(&pool, f, Sort::NewestFirst).await.len() as i64;
            let got = review::count(&pool, f).await.expect("count");
            assert_eq!(got, Count::Exact(want), "{f:?}");
        }
        return;
    }
    let mut partial = 0;
    for f in &filters() {
        let want = expected(&pool, f, Sort::NewestFirst).await.len() as i64;
        let count = |cap, entries, drive| {
            let pool = pool.clone();
            let f = f.clone();
            async move {
                review::count_within(
                    &pool,
                    &f,
                    CountBudget {
                        cap,
                        entries,
                        text_entries: entries,
                        drive,
                    },
                )
                .await
                .expect("count")
            }
        };
        // With room to examine every entry the count is exact, whichever way it is made.
        for drive in [60, -1] {
            assert_eq!(
                count(10_000, 1_000, drive).await,
                Count::Exact(want),
                "{f:?}"
            );
            let capped = if want > 5 {
                Count::MoreThan(5)
            } else {
                Count::Exact(want)
            };
            assert_eq!(count(5, 1_000, drive).await, capped, "{f:?}");
        }
        // With room for 37 entries of 420 the count is exact only where a small set drives it
        // or the range is short; otherwise it says how far it counted, never more than there is.
        for drive in [60, -1] {
            match count(10_000, 37, drive).await {
                Count::Exact(n) => assert_eq!(n, want, "{f:?}"),
                Count::AtLeast { found, searched } => {
                    assert!(found <= want && found <= 37, "{f:?}");
                    assert_eq!(searched, 37);
                    partial += 1;
                }
                Count::MoreThan(_) => panic!("under the cap: {f:?}"),
            }
        }
    }
    assert!(partial > 10, "the short budget stopped counting early");
    assert_eq!(
        review::count(&pool, &Filter::default())
            .await
            .expect("count"),
        Count::Exact(420)
    );
}

#[tokio::test]
async fn the_list_follows_notes_tags_status_changes_and_deletions() {
    let (_dir, pool) = seeded().await;
    let walking = Budget {
        walk: 50,
        drive: -1,
    };
    let ids = |f: Filter| {
        let pool = pool.clone();
        async move { all_pages(&pool, &f, Sort::NewestFirst, 20, walking).await.0 }
    };
    let won = Filter {
        status: Some("won".into()),
        ..Filter::default()
    };
    let before = ids(won.clone()).await.len();
    review::set_status(
        &pool,
        &id_for(1),
        "won",
        "ana@msp.example",
        "2026-04-01T00:00:00Z",
    )
    .await
    .expect("status");
    assert_eq!(ids(won).await.len(), before + 1);

    let tagged = |t: &str| Filter {
        tag: Some(t.into()),
        ..Filter::default()
    };
    review::set_tags(&pool, &id_for(45), &["vip".to_owned()])
        .await
        .expect("tags");
    assert_eq!(ids(tagged("vip")).await, [id_for(45)]);
    assert!(!ids(tagged("legal")).await.contains(&id_for(45)));
    assert!(!ids(tagged("hot-lead")).await.contains(&id_for(45)));
    assert!(ids(tagged("hot-lead")).await.contains(&id_for(40)));
    review::set_tags(&pool, &id_for(45), &[])
        .await
        .expect("tags");
    assert!(ids(tagged("vip")).await.is_empty());

    let noted = |q: &str| Filter {
        q: Some(q.into()),
        ..Filter::default()
    };
    review::add_note(
        &pool,
        &id_for(2),
        "ana@msp.example",
        "Wants a quote",
        "2026-04-01T00:00:00Z",
    )
    .await
    .expect("note");
    review::add_note(
        &pool,
        &id_for(2),
        "ana@msp.example",
        "Zebra print shop",
        "2026-04-02T00:00:00Z",
    )
    .await
    .expect("note");
    assert_eq!(ids(noted("zebra")).await, [id_for(2)]);
    assert_eq!(ids(noted("a quote")).await, [id_for(2)]);
    assert!(
        ids(noted("quotezebra")).await.is_empty(),
        "a search never spans two notes"
    );
    // A text with the separator the joined notes use is searched in the notes themselves.
    review::add_note(
        &pool,
        &id_for(3),
        "ana@msp.example",
        "odd\u{1f}byte",
        "2026-04-03T00:00:00Z",
    )
    .await
    .expect("note");
    assert_eq!(ids(noted("d\u{1f}b")).await, [id_for(3)]);
    assert!(ids(noted("byte\u{1f}")).await.is_empty());
    assert!(ids(tagged("vip\u{1f}")).await.is_empty());

    let led = Filter {
        has_lead: true,
        ..Filter::default()
    };
    assert!(!ids(led.clone()).await.contains(&id_for(5)));
    reference::add_lead(&pool, &id_for(5), "late", "2026-04-04T00:00:00Z").await;
    assert!(ids(led.clone()).await.contains(&id_for(5)));
    servicefit::on_pool!(&pool, pool => { sqlx::query("DELETE FROM leads WHERE assessment_id = $1")
        .bind(id_for(5))
        .execute(pool)
        .await
        .expect("delete the lead"); });
    assert!(!ids(led.clone()).await.contains(&id_for(5)));

    let deleted = db::delete_assessments_before(&pool, "2026-01-15T00:00:00.000Z")
        .await
        .expect("retention");
    let left = ids(Filter::default()).await;
    assert_eq!(left.len() as u64, 420 - deleted);
    for q in ["dental", "ransomware"] {
        assert!(
            ids(noted(q)).await.iter().all(|id| left.contains(id)),
            "search must not find deleted assessments"
        );
    }
    let led_left = ids(led).await;
    assert!(!led_left.is_empty());
    assert!(led_left.iter().all(|id| left.contains(id)));
}
