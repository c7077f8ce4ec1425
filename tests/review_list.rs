//! The review list's two query shapes (a walk in list order, or a small text or tag match set
//! driving the query) give exactly the rows a plain reading of the filter gives, in order, each
//! once across pages; and the list's narrow copy follows inserts, status changes and deletes.

use servicefit::db::review::{self, Cursor, Filter, ListRow, Sort};
use servicefit::db::{self, NewAssessment};
use sqlx::SqlitePool;

struct Seeded {
    id: String,
    created_at: String,
    company: Option<String>,
    score: f64,
    notes: Vec<String>,
    tags: Vec<String>,
    status: String,
}

fn id_for(i: usize) -> String {
    format!("{i:0>22}")
}

/// 300 assessments; every 7th has a note, every 5th a tag, every 11th is "won".
async fn seeded() -> (tempfile::TempDir, SqlitePool, Vec<Seeded>) {
    let dir = tempfile::tempdir().expect("temp dir");
    let url = format!("sqlite://{}", dir.path().join("list.db").display());
    let pool = db::connect(&url).await.expect("database");
    let mut rows = Vec::new();
    for i in 0..300 {
        let id = id_for(i);
        let created_at = format!("2026-01-{:02}T{:02}:00:00.000Z", 1 + i % 28, i % 24);
        let company = match i % 4 {
            0 => None,
            1 => Some(format!("Harbor Dental {i}")),
            2 => Some(format!("50%_off Café {i}")),
            _ => Some(format!("Pine LAW {i}")),
        };
        let score = ((i * 37) % 41) as f64 - 20.0;
        db::insert_assessment(
            &pool,
            &NewAssessment {
                id: &id,
                created_at: &created_at,
                rules_version: "test",
                company: company.as_deref(),
                employees: 5,
                recommendation: ["break_fix", "managed", "co_managed"][i % 3],
                confidence: "moderate",
                score,
                answers_json: "{}",
                result_json: "{}",
                flagged: None,
            },
        )
        .await
        .expect("insert");
        let mut notes = Vec::new();
        if i % 7 == 0 {
            let note = format!("ransomware scare, call back ({i})");
            review::add_note(&pool, &id, "ana@msp.example", &note, &created_at)
                .await
                .expect("note");
            notes.push(note);
        }
        let mut tags = Vec::new();
        if i % 5 == 0 {
            tags.push("hot-lead".to_owned());
            review::set_tags(&pool, &id, &tags).await.expect("tags");
        }
        let mut status = "new".to_owned();
        if i % 11 == 0 {
            status = "won".into();
            review::set_status(&pool, &id, "won", "ana@msp.example", &created_at)
                .await
                .expect("status");
        }
        rows.push(Seeded {
            id,
            created_at,
            company,
            score,
            notes,
            tags,
            status,
        });
    }
    (dir, pool, rows)
}

/// LIKE's meaning: ASCII letters in any case, everything else exactly.
fn contains(text: &str, q: &str) -> bool {
    text.to_ascii_lowercase().contains(&q.to_ascii_lowercase())
}

fn expected(rows: &[Seeded], f: &Filter, sort: Sort) -> Vec<String> {
    let mut picked: Vec<&Seeded> = rows
        .iter()
        .filter(|r| {
            f.q.as_deref().is_none_or(|q| {
                r.company.as_deref().is_some_and(|c| contains(c, q))
                    || r.notes.iter().any(|n| contains(n, q))
            }) && f.tag.as_ref().is_none_or(|t| r.tags.contains(t))
                && f.status.as_ref().is_none_or(|s| *s == r.status)
        })
        .collect();
    picked.sort_by(|a, b| match sort {
        Sort::NewestFirst => (&b.created_at, &b.id).cmp(&(&a.created_at, &a.id)),
        Sort::OldestFirst => (&a.created_at, &a.id).cmp(&(&b.created_at, &b.id)),
        Sort::HighestScore => b.score.total_cmp(&a.score).then(b.id.cmp(&a.id)),
        Sort::LowestScore => a.score.total_cmp(&b.score).then(a.id.cmp(&b.id)),
    });
    picked.into_iter().map(|r| r.id.clone()).collect()
}

/// Every page of the selection, 7 rows a page, following the cursor as the list page does.
async fn all_pages(pool: &SqlitePool, f: &Filter, sort: Sort) -> Vec<String> {
    let mut ids = Vec::new();
    let mut after: Option<Cursor> = None;
    loop {
        let page: Vec<ListRow> = review::list(pool, f, sort, after.as_ref(), 7)
            .await
            .expect("page");
        let Some(last) = page.last() else { break };
        after = Some(Cursor {
            value: match sort {
                Sort::HighestScore | Sort::LowestScore => last.score.to_string(),
                _ => last.created_at.clone(),
            },
            id: last.id.clone(),
        });
        ids.extend(page.iter().map(|r| r.id.clone()));
    }
    ids
}

#[tokio::test]
async fn text_tag_and_status_filters_page_through_exactly_the_matching_rows_in_every_order() {
    let (_dir, pool, rows) = seeded().await;
    let s = |v: &str| Some(v.to_owned());
    let filters = [
        Filter {
            q: s("dental"),
            ..Filter::default()
        },
        Filter {
            q: s("DENTAL 1"),
            ..Filter::default()
        },
        Filter {
            q: s("50%_"),
            ..Filter::default()
        },
        Filter {
            q: s("%"),
            ..Filter::default()
        },
        Filter {
            q: s("café"),
            ..Filter::default()
        },
        Filter {
            q: s("ransomware"),
            ..Filter::default()
        },
        Filter {
            q: s("nothing like it"),
            ..Filter::default()
        },
        Filter {
            tag: s("hot-lead"),
            ..Filter::default()
        },
        Filter {
            tag: s("hot-lead"),
            q: s("law"),
            ..Filter::default()
        },
        Filter {
            status: s("won"),
            q: s("scare"),
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
            assert_eq!(
                all_pages(&pool, f, sort).await,
                expected(&rows, f, sort),
                "{f:?} {sort:?}"
            );
        }
    }
}

#[tokio::test]
async fn the_list_follows_status_changes_and_deletions() {
    let (_dir, pool, rows) = seeded().await;
    let won = Filter {
        status: Some("won".into()),
        ..Filter::default()
    };
    let before = all_pages(&pool, &won, Sort::NewestFirst).await.len();
    review::set_status(
        &pool,
        &rows[1].id,
        "won",
        "ana@msp.example",
        "2026-02-01T00:00:00Z",
    )
    .await
    .expect("status");
    assert_eq!(
        all_pages(&pool, &won, Sort::NewestFirst).await.len(),
        before + 1
    );

    let deleted = db::delete_assessments_before(&pool, "2026-01-15T00:00:00.000Z")
        .await
        .expect("retention");
    let left = all_pages(&pool, &Filter::default(), Sort::NewestFirst).await;
    assert_eq!(left.len() as u64, 300 - deleted);
    let dental = Filter {
        q: Some("dental".into()),
        ..Filter::default()
    };
    assert!(
        all_pages(&pool, &dental, Sort::NewestFirst)
            .await
            .iter()
            .all(|id| left.contains(id)),
        "search must not find deleted assessments"
    );
}
