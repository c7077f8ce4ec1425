//! The PostgreSQL list against the SQLite one on the same rows: the same pages, in the same
//! order, and the same counts. Runs when `SERVICEFIT_TEST_POSTGRES` names a server whose user
//! may create databases; each run makes a database of its own.

use std::str::FromStr;
use std::sync::atomic::{AtomicU32, Ordering};

use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::{Executor, PgPool, SqlitePool};

use super::super::{Count, Cursor, Filter, Sort};
use super::{index_pattern, intersected};

#[test]
fn the_index_pattern_takes_a_few_whole_runs_in_order() {
    assert_eq!(index_pattern("xq"), None);
    assert_eq!(index_pattern("a b c"), None);
    assert_eq!(index_pattern("%_é"), None);
    assert_eq!(index_pattern("oak").as_deref(), Some("%oak%"));
    assert_eq!(index_pattern("Dental").as_deref(), Some("%Den%tal%"));
    assert_eq!(index_pattern("50% off").as_deref(), Some("%off%"));
    assert_eq!(index_pattern("100% off").as_deref(), Some("%100%off%"));
    assert_eq!(
        index_pattern("Harbor Dental Group").as_deref(),
        Some("%Har%Den%Gro%")
    );
}

/// A fresh database on the test server, migrated; the server's pool and the database's name,
/// to drop it.
async fn postgres() -> Option<(PgPool, PgPool, String)> {
    let server = std::env::var("SERVICEFIT_TEST_POSTGRES").ok()?;
    let options = PgConnectOptions::from_str(&server).expect("a PostgreSQL URL");
    let admin = PgPoolOptions::new()
        .max_connections(1)
        .connect_with(options.clone())
        .await
        .expect("the test server");
    static NEXT: AtomicU32 = AtomicU32::new(0);
    let name = format!(
        "servicefit_list_{}_{}",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::Relaxed)
    );
    admin
        .execute(sqlx::AssertSqlSafe(format!(
            "DROP DATABASE IF EXISTS {name}"
        )))
        .await
        .expect("drop");
    admin
        .execute(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
        .await
        .expect("create");
    let pool = PgPoolOptions::new()
        .max_connections(2)
        .connect_with(options.database(&name))
        .await
        .expect("the test database");
    sqlx::migrate!("migrations/postgres")
        .run(&pool)
        .await
        .expect("migrations");
    Some((pool, admin, name))
}

const COMPANIES: [&str; 8] = [
    "Harbor Dental Group",
    "Pine Law LLC",
    "Café Olé",
    "CAFÉ OLÉ",
    "50% Off Stores",
    "under_score Ltd",
    "",
    "Oak Clinic",
];
const NOTES: [&str; 4] = [
    "Ransomware scare last year",
    "Called the DENTAL office",
    "Two sites",
    "back\\slash",
];
const TAGS: [&str; 3] = ["legal", "hipaa", "follow-up"];
const STATUSES: [&str; 3] = ["new", "won", "contacted"];
const VERDICTS: [(&str, f64); 3] = [("break_fix", -3.0), ("managed", 0.5), ("co_managed", 4.0)];

/// The seed's statements, each with its values, the same for both databases (sqlx's SQLite
/// driver reads `$n` placeholders too).
fn statements(rows: u64) -> Vec<(&'static str, Vec<Value>)> {
    let mut x: u64 = 7;
    let mut next = |n: u64| {
        x = x
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        (x >> 33) % n
    };
    let text = |s: &str| Value::Text(Some(s.to_owned()));
    let mut out = Vec::new();
    for i in 0..rows {
        let id = format!("id{:04}-{i}", next(10_000));
        let (verdict, base) = VERDICTS[next(3) as usize];
        // Few distinct scores and times, so ties are broken by the id.
        let score = base + (next(4) as f64) / 4.0;
        let created_at = format!("2026-0{}-1{}T00:00:00Z", 1 + next(3), next(3));
        let company = COMPANIES[next(8) as usize];
        let company = (!company.is_empty() || i % 2 == 0).then(|| company.to_owned());
        let flagged = (next(5) == 0).then(|| "honeypot".to_owned());
        out.push((
            "INSERT INTO assessments (id, created_at, rules_version, company, employees,
                 recommendation, confidence, score, answers, result, status, flagged)
             VALUES ($1, $2, 'v1', $3, $4, $5, 'strong', $6, '{}', '{}', $7, $8)",
            vec![
                text(&id),
                text(&created_at),
                Value::Text(company),
                Value::Int(1 + next(50) as i64),
                text(verdict),
                Value::Real(score),
                text(STATUSES[next(3) as usize]),
                Value::Text(flagged),
            ],
        ));
        for n in 0..next(3) {
            out.push((
                "INSERT INTO notes (assessment_id, author, kind, body, created_at)
                 VALUES ($1, 'ana', $2, $3, $4)",
                vec![
                    text(&id),
                    text(if n == 1 { "status" } else { "note" }),
                    text(NOTES[next(4) as usize]),
                    text(&created_at),
                ],
            ));
        }
        for t in TAGS {
            if next(4) == 0 {
                out.push((
                    "INSERT INTO tags (assessment_id, tag) VALUES ($1, $2)",
                    vec![text(&id), text(t)],
                ));
            }
        }
        if next(6) == 0 {
            out.push((
                "INSERT INTO leads (id, assessment_id, name, email, email_key, consent_text,
                     consent_version, created_at, client_addr)
                 VALUES ($1, $2, 'N', 'n@x', 'n@x', 'ok', 'v', $3, '127.0.0.1')",
                vec![text(&format!("lead-{id}")), text(&id), text(&created_at)],
            ));
        }
    }
    // A few changes after the fact, which the triggers follow.
    for sql in [
        "DELETE FROM tags WHERE tag = 'legal' AND assessment_id IN \
         (SELECT id FROM assessments WHERE status = 'new')",
        "DELETE FROM leads WHERE assessment_id IN (SELECT id FROM assessments WHERE score > 4)",
        "UPDATE assessments SET status = 'won' WHERE recommendation = 'break_fix' AND score < -2.5",
        "DELETE FROM notes WHERE body = 'Two sites'",
        "DELETE FROM assessments WHERE company = 'Pine Law LLC' AND status = 'won'",
    ] {
        out.push((sql, Vec::new()));
    }
    out
}

#[derive(Debug, Clone)]
enum Value {
    Text(Option<String>),
    Int(i64),
    Real(f64),
}

async fn seed_sqlite(pool: &SqlitePool, rows: u64) {
    for (sql, values) in statements(rows) {
        let mut q = sqlx::query(sql);
        for v in values {
            q = match v {
                Value::Text(t) => q.bind(t),
                Value::Int(i) => q.bind(i),
                Value::Real(r) => q.bind(r),
            };
        }
        q.execute(pool).await.expect("sqlite seed");
    }
}

async fn seed_postgres(pool: &PgPool, rows: u64) {
    for (sql, values) in statements(rows) {
        let mut q = sqlx::query(sql);
        for v in values {
            q = match v {
                Value::Text(t) => q.bind(t),
                Value::Int(i) => q.bind(i),
                Value::Real(r) => q.bind(r),
            };
        }
        q.execute(pool).await.expect("postgres seed");
    }
}

fn filters() -> Vec<Filter> {
    let s = |v: &str| Some(v.to_owned());
    let f = Filter::default;
    let q = |v: &str| Filter { q: s(v), ..f() };
    vec![
        f(),
        q("dental"),
        q("DENTAL"),
        q("café"),
        q("CAFÉ"),
        q("olé"),
        q("50%"),
        q("r_s"),
        q("_"),
        q("\\"),
        q("k\\s"),
        q("ransomware"),
        q("o"),
        q("zebra"),
        Filter {
            recommendation: s("managed"),
            ..f()
        },
        Filter {
            status: s("won"),
            tag: s("legal"),
            ..f()
        },
        Filter {
            tag: s("hipaa"),
            q: s("law"),
            flagged: Some(false),
            ..f()
        },
        Filter {
            flagged: Some(true),
            ..f()
        },
        Filter {
            has_lead: true,
            ..f()
        },
        Filter {
            has_lead: true,
            status: s("contacted"),
            ..f()
        },
        Filter {
            from: s("2026-02-01T00:00:00Z"),
            to_before: s("2026-03-11T00:00:00Z"),
            ..f()
        },
        Filter {
            q: s("pine"),
            recommendation: s("co_managed"),
            from: s("2026-01-11T00:00:00Z"),
            ..f()
        },
        Filter {
            q: s("dental"),
            status: s("won"),
            ..f()
        },
        Filter {
            q: s("ransomware"),
            flagged: Some(true),
            tag: s("legal"),
            ..f()
        },
    ]
}

/// A SQLite database (in the directory returned with it) and `pg`, seeded with the same 300
/// rows.
async fn seeded_alike(pg: &PgPool) -> (SqlitePool, tempfile::TempDir) {
    let dir = tempfile::tempdir().expect("temp dir");
    let url = format!("sqlite://{}", dir.path().join("list.db").display());
    let lite = crate::db::Db::connect(&url, 4)
        .await
        .expect("sqlite")
        .as_sqlite()
        .expect("SQLite")
        .clone();
    seed_sqlite(&lite, 300).await;
    seed_postgres(pg, 300).await;
    (lite, dir)
}

/// Every page of a selection, by the list's own cursors, as ids.
async fn all_pages(
    lite: Option<&SqlitePool>,
    pg: Option<&PgPool>,
    f: &Filter,
    sort: Sort,
) -> Vec<String> {
    pages_after(lite, pg, f, sort, None).await
}

/// Every page of a selection after `start`, by the list's own cursors, as ids.
async fn pages_after(
    lite: Option<&SqlitePool>,
    pg: Option<&PgPool>,
    f: &Filter,
    sort: Sort,
    start: Option<Cursor>,
) -> Vec<String> {
    let mut ids = Vec::new();
    let mut after = start;
    loop {
        let page = match (lite, pg) {
            (Some(pool), _) => {
                super::super::list_within(pool, f, sort, after.as_ref(), 7, Default::default())
                    .await
            }
            (_, Some(pool)) => super::list(pool, f, sort, after.as_ref(), 7).await,
            _ => unreachable!("one pool"),
        }
        .expect("page");
        ids.extend(page.rows.iter().map(|r| r.id.clone()));
        after = match (page.rows.last(), page.searched_to) {
            (_, Some(c)) => Some(c),
            (Some(r), None) if page.rows.len() == 7 => Some(Cursor::of(sort, r)),
            _ => break,
        };
    }
    ids
}

#[tokio::test]
async fn postgres_lists_and_counts_what_sqlite_does() {
    let Some((pg, admin, name)) = postgres().await else {
        return;
    };
    let (lite, _dir) = seeded_alike(&pg).await;
    let mut nonempty = 0;
    for f in filters() {
        for sort in [
            Sort::NewestFirst,
            Sort::OldestFirst,
            Sort::HighestScore,
            Sort::LowestScore,
        ] {
            let expected = all_pages(Some(&lite), None, &f, sort).await;
            let got = all_pages(None, Some(&pg), &f, sort).await;
            assert_eq!(got, expected, "{f:?} {sort:?}");
            nonempty += usize::from(!expected.is_empty());
        }
        let expected = super::super::count_within(&lite, &f, Default::default())
            .await
            .expect("sqlite count");
        let got = super::count(&pg, &f).await.expect("postgres count");
        assert_eq!(got, expected, "{f:?}");
        assert!(matches!(got, Count::Exact(_)), "{f:?}");
    }
    assert!(nonempty > 60, "the filters should find rows: {nonempty}");
    pg.close().await;
    admin
        .execute(sqlx::AssertSqlSafe(format!("DROP DATABASE {name}")))
        .await
        .expect("drop");
}

#[tokio::test]
async fn a_narrowed_text_search_collects_its_rows_only_up_to_its_cap() {
    let Some((pg, admin, name)) = postgres().await else {
        return;
    };
    seed_postgres(&pg, 300).await;
    let f = Filter {
        q: Some("dental".to_owned()),
        status: Some("won".to_owned()),
        ..Filter::default()
    };
    let all = all_pages(None, Some(&pg), &f, Sort::NewestFirst).await;
    assert!(
        all.len() > 3,
        "the fixture should hold several: {}",
        all.len()
    );
    let n = i64::try_from(all.len()).unwrap();
    let page = |cap| intersected(&pg, &f, "dental", (Sort::NewestFirst, None), 2, cap);
    // More rows pass than the cap: not collected, so the list walks instead.
    assert!(page(n - 1).await.expect("page").is_none());
    // Exactly the cap: the first page, complete.
    let first = page(n).await.expect("page").expect("collected");
    let ids: Vec<_> = first.rows.iter().map(|r| r.id.clone()).collect();
    assert_eq!(ids, all[..2]);
    assert!(first.searched_to.is_none());
    pg.close().await;
    admin
        .execute(sqlx::AssertSqlSafe(format!("DROP DATABASE {name}")))
        .await
        .expect("drop");
}

#[tokio::test]
async fn a_cursor_before_the_date_range_pages_as_on_sqlite() {
    let Some((pg, admin, name)) = postgres().await else {
        return;
    };
    let (lite, _dir) = seeded_alike(&pg).await;
    let f = Filter {
        from: Some("2026-02-01T00:00:00Z".to_owned()),
        to_before: Some("2026-03-11T00:00:00Z".to_owned()),
        ..Filter::default()
    };
    // Positions outside the range, on the side the pages come from (a link kept from another
    // filter): every row of the range comes after them, so the cursor is left out; and inside.
    for (sort, value) in [
        (Sort::OldestFirst, "2020-01-01T00:00:00Z"),
        (Sort::NewestFirst, "2030-01-01T00:00:00Z"),
        (Sort::NewestFirst, "2026-03-11T00:00:00Z"),
        (Sort::OldestFirst, "2026-02-01T00:00:00Z"),
        (Sort::OldestFirst, "2026-02-20T00:00:00Z"),
    ] {
        let start = || {
            Some(Cursor {
                value: value.to_owned(),
                id: "m".to_owned(),
            })
        };
        let expected = pages_after(Some(&lite), None, &f, sort, start()).await;
        let got = pages_after(None, Some(&pg), &f, sort, start()).await;
        assert_eq!(got, expected, "{sort:?} after {value}");
        assert!(!expected.is_empty(), "{sort:?} after {value}");
    }
    pg.close().await;
    admin
        .execute(sqlx::AssertSqlSafe(format!("DROP DATABASE {name}")))
        .await
        .expect("drop");
}
