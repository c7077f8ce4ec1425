//! The consultant list at scale: p50/p99 of one page (51 rows, as the list asks for) for every
//! filter, every sort and their combinations, on the first page and far in with a keyset cursor.
//! A page that stops at the walk's budget (and says how far it searched) counts as a page; the
//! `stop` column marks them.
//!
//! The database (1,000,000 assessments by default, `REVIEW_ROWS` to change) is built once under
//! `target/review-bench/` and reused; delete the file to rebuild it. Not part of `cargo test`.
//! `REVIEW_DATABASE_URL=postgres://…` runs it on PostgreSQL instead: an empty database is seeded
//! with the same rows (multi-row inserts, the migrations' triggers keeping the list), a seeded
//! one is reused as it is.
//!
//! Then the list's count of each filter's matches (exact up to 10,000, over at most 100,000
//! index entries), once per filter: it does not depend on the order or the page.
//!
//! ```sh
//! cargo bench --bench review              # all scenarios
//! cargo bench --bench review -- tag       # scenarios whose name contains "tag"
//! cargo bench --bench review -- count     # the counts only
//! cargo bench --bench review -- "page /"  # the list page's wait: its count and first page
//!                                         # asked at once, as src/routes/consultant/list.rs does
//! REVIEW_DATABASE_URL=postgres://postgres@127.0.0.1/review_bench cargo bench --bench review
//! ```

#[path = "review/seed.rs"]
mod seed;

use std::time::{Duration, Instant};

use servicefit::db::review::{Count, Cursor, Filter, Sort, count, list};
use servicefit::db::{Db, on_pool};

/// Each scenario runs this many times, or for this long, whichever ends first (at least 5 runs).
const RUNS: usize = 100;
const BUDGET: Duration = Duration::from_secs(3);

fn filters() -> Vec<(&'static str, Filter)> {
    let s = |v: &str| Some(v.to_owned());
    let f = Filter::default;
    vec![
        ("none", f()),
        (
            "q company (common word)",
            Filter {
                q: s("dental"),
                ..f()
            },
        ),
        (
            "q company (one name)",
            Filter {
                q: s("Harbor Dental Group"),
                ..f()
            },
        ),
        (
            "q note text",
            Filter {
                q: s("ransomware"),
                ..f()
            },
        ),
        (
            "q no match",
            Filter {
                q: s("zebra crossing"),
                ..f()
            },
        ),
        ("q two letters", Filter { q: s("xq"), ..f() }),
        (
            "recommendation co_managed",
            Filter {
                recommendation: s("co_managed"),
                ..f()
            },
        ),
        (
            "recommendation managed",
            Filter {
                recommendation: s("managed"),
                ..f()
            },
        ),
        (
            "from/to one day",
            Filter {
                from: s("2026-03-10T00:00:00Z"),
                to_before: s("2026-03-11T00:00:00Z"),
                ..f()
            },
        ),
        (
            "from/to one month",
            Filter {
                from: s("2025-06-01T00:00:00Z"),
                to_before: s("2025-07-01T00:00:00Z"),
                ..f()
            },
        ),
        (
            "from only",
            Filter {
                from: s("2026-10-01T00:00:00Z"),
                ..f()
            },
        ),
        (
            "status won",
            Filter {
                status: s("won"),
                ..f()
            },
        ),
        (
            "status new",
            Filter {
                status: s("new"),
                ..f()
            },
        ),
        (
            "tag common",
            Filter {
                tag: s("follow-up"),
                ..f()
            },
        ),
        (
            "tag rare",
            Filter {
                tag: s("q3-campaign"),
                ..f()
            },
        ),
        (
            "tag unused",
            Filter {
                tag: s("no-such-tag"),
                ..f()
            },
        ),
        (
            "flagged yes",
            Filter {
                flagged: Some(true),
                ..f()
            },
        ),
        (
            "flagged no",
            Filter {
                flagged: Some(false),
                ..f()
            },
        ),
        (
            "status + recommendation",
            Filter {
                status: s("proposal"),
                recommendation: s("break_fix"),
                ..f()
            },
        ),
        (
            "status + tag",
            Filter {
                status: s("won"),
                tag: s("referral"),
                ..f()
            },
        ),
        (
            "q + recommendation + month",
            Filter {
                q: s("clinic"),
                recommendation: s("managed"),
                from: s("2025-06-01T00:00:00Z"),
                to_before: s("2025-07-01T00:00:00Z"),
                ..f()
            },
        ),
        (
            "flagged + status + recommendation",
            Filter {
                flagged: Some(true),
                status: s("contacted"),
                recommendation: s("co_managed"),
                ..f()
            },
        ),
        (
            "tag + q + flagged no",
            Filter {
                tag: s("hipaa"),
                q: s("law"),
                flagged: Some(false),
                ..f()
            },
        ),
        ("q one letter", Filter { q: s("z"), ..f() }),
        (
            "every filter",
            Filter {
                q: s("oak"),
                recommendation: s("managed"),
                from: s("2025-01-01T00:00:00Z"),
                to_before: s("2026-07-01T00:00:00Z"),
                status: s("contacted"),
                tag: s("follow-up"),
                flagged: Some(false),
                has_lead: false,
            },
        ),
        (
            "has a lead",
            Filter {
                has_lead: true,
                ..f()
            },
        ),
        (
            "has a lead + status contacted",
            Filter {
                has_lead: true,
                status: s("contacted"),
                ..f()
            },
        ),
    ]
}

const SORTS: [(&str, Sort); 4] = [
    ("newest", Sort::NewestFirst),
    ("oldest", Sort::OldestFirst),
    ("score_desc", Sort::HighestScore),
    ("score_asc", Sort::LowestScore),
];

/// A cursor 70% of the way through the whole table in `sort` order: a deep page for every
/// filter (keyset paging accepts any position, matching or not). The same SQL on both backends.
async fn deep_cursor(db: &Db, sort: Sort, rows: usize) -> sqlx::Result<Cursor> {
    let sql = match sort {
        Sort::NewestFirst => {
            "SELECT created_at, id FROM assessments ORDER BY created_at DESC, id DESC LIMIT 1 OFFSET $1"
        }
        Sort::OldestFirst => {
            "SELECT created_at, id FROM assessments ORDER BY created_at ASC, id ASC LIMIT 1 OFFSET $1"
        }
        Sort::HighestScore => {
            "SELECT CAST(score AS TEXT), id FROM assessments ORDER BY score DESC, id DESC LIMIT 1 OFFSET $1"
        }
        Sort::LowestScore => {
            "SELECT CAST(score AS TEXT), id FROM assessments ORDER BY score ASC, id ASC LIMIT 1 OFFSET $1"
        }
    };
    let offset = (rows * 7 / 10) as i64;
    let (value, id): (String, String) = on_pool!(db, pool => {
        sqlx::query_as(sql).bind(offset).fetch_one(pool).await?
    });
    Ok(Cursor { value, id })
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let k = ((p * sorted.len() as f64).ceil() as usize).clamp(1, sorted.len()) - 1;
    sorted[k]
}

/// Times of the runs, sorted; rows found; whether the page stopped at the walk's budget.
async fn measure(
    pool: &Db,
    filter: &Filter,
    sort: Sort,
    after: Option<&Cursor>,
) -> sqlx::Result<(Vec<Duration>, usize, bool)> {
    let mut times = Vec::new();
    let mut found = (0, false);
    let started = Instant::now();
    while times.len() < RUNS && (times.len() < 5 || started.elapsed() < BUDGET) {
        let t = Instant::now();
        let page = list(pool, filter, sort, after, 51).await?;
        times.push(t.elapsed());
        found = (page.rows.len(), page.searched_to.is_some());
    }
    times.sort();
    Ok((times, found.0, found.1))
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> anyhow::Result<()> {
    let only: Option<String> = std::env::args().skip(1).find(|a| !a.starts_with('-'));
    let mut rows: usize = std::env::var("REVIEW_ROWS").map_or(Ok(1_000_000), |v| v.parse())?;
    let given = std::env::var("REVIEW_DATABASE_URL").ok();
    let url = match &given {
        Some(url) => url.clone(),
        None => {
            let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("target/review-bench");
            std::fs::create_dir_all(&dir)?;
            format!(
                "sqlite://{}",
                dir.join(format!("review-{rows}.db")).display()
            )
        }
    };
    let t = Instant::now();
    let pool = Db::connect(&url, 8).await?;
    let existing: i64 = on_pool!(&pool, p => {
        sqlx::query_scalar("SELECT COUNT(*) FROM assessments").fetch_one(p).await?
    });
    // An empty database is seeded; a seeded one is used as it is, whatever its size.
    if existing == 0 {
        seed::seed(&url, rows).await?;
        eprintln!("seeded {rows} assessments in {:.1?}", t.elapsed());
    } else {
        if given.is_some() && existing as usize != rows {
            eprintln!(
                "the database holds {existing} assessments (REVIEW_ROWS is {rows}); using them"
            );
        }
        rows = existing as usize;
        eprintln!("opened and migrated in {:.1?}", t.elapsed());
    }
    let mut worst = (Duration::ZERO, String::new());
    let (mut scenarios, mut stopped) = (0, 0);
    println!(
        "{:<58} {:>6} {:>5} {:>9} {:>9} {:>5}",
        "scenario", "rows", "stop", "p50", "p99", "runs"
    );
    for (sort_name, sort) in SORTS {
        let deep = deep_cursor(&pool, sort, rows).await?;
        for (filter_name, filter) in filters() {
            for (page, after) in [("first", None), ("deep", Some(&deep))] {
                let name = format!("{filter_name} / {sort_name} / {page}");
                if only.as_deref().is_some_and(|o| !name.contains(o)) {
                    continue;
                }
                let (times, found, stop) = measure(&pool, &filter, sort, after).await?;
                let p99 = percentile(&times, 0.99);
                println!(
                    "{name:<58} {found:>6} {:>5} {:>9.2?} {p99:>9.2?} {:>5}",
                    if stop { "yes" } else { "" },
                    percentile(&times, 0.5),
                    times.len()
                );
                scenarios += 1;
                stopped += usize::from(stop);
                if p99 > worst.0 {
                    worst = (p99, name);
                }
            }
        }
    }
    println!(
        "{scenarios} scenarios, {stopped} stopped at the walk budget; worst p99: {:.2?} ({})",
        worst.0, worst.1
    );
    let mut worst = (Duration::ZERO, String::new());
    println!(
        "\n{:<58} {:>22} {:>9} {:>9} {:>5}",
        "count", "said", "p50", "p99", "runs"
    );
    for (filter_name, filter) in filters() {
        let name = format!("count / {filter_name}");
        if only.as_deref().is_some_and(|o| !name.contains(o)) {
            continue;
        }
        let (mut times, mut said) = (Vec::new(), None);
        let started = Instant::now();
        while times.len() < RUNS && (times.len() < 5 || started.elapsed() < BUDGET) {
            let t = Instant::now();
            said = Some(count(&pool, &filter).await?);
            times.push(t.elapsed());
        }
        times.sort();
        let said = match said {
            Some(Count::Exact(n)) => format!("{n}"),
            Some(Count::MoreThan(n)) => format!("more than {n}"),
            Some(Count::AtLeast { found, searched }) => format!("{found} of newest {searched}"),
            None => String::new(),
        };
        let p99 = percentile(&times, 0.99);
        println!(
            "{name:<58} {said:>22} {:>9.2?} {p99:>9.2?} {:>5}",
            percentile(&times, 0.5),
            times.len()
        );
        if p99 > worst.0 {
            worst = (p99, name);
        }
    }
    println!("worst count p99: {:.2?} ({})", worst.0, worst.1);

    // What the list page waits for: its count and its first page, asked at once.
    let mut worst = (Duration::ZERO, String::new());
    println!(
        "\n{:<58} {:>9} {:>9} {:>5}",
        "page (count and list at once)", "p50", "p99", "runs"
    );
    for (filter_name, filter) in filters() {
        let name = format!("page / {filter_name}");
        if only.as_deref().is_some_and(|o| !name.contains(o)) {
            continue;
        }
        let mut times = Vec::new();
        let started = Instant::now();
        while times.len() < RUNS && (times.len() < 5 || started.elapsed() < BUDGET) {
            let t = Instant::now();
            let (counted, page) = tokio::join!(
                count(&pool, &filter),
                list(&pool, &filter, Sort::NewestFirst, None, 51)
            );
            counted?;
            page?;
            times.push(t.elapsed());
        }
        times.sort();
        let p99 = percentile(&times, 0.99);
        println!(
            "{name:<58} {:>9.2?} {p99:>9.2?} {:>5}",
            percentile(&times, 0.5),
            times.len()
        );
        if p99 > worst.0 {
            worst = (p99, name);
        }
    }
    println!("worst page p99: {:.2?} ({})", worst.0, worst.1);
    Ok(())
}
