//! The review list against a plain reading of its filters: for every filter, sort and page size,
//! paging through the list (following "continue searching" positions where a walk stopped at
//! its budget) gives exactly the rows that one obvious SQL query over `assessments` gives, in
//! the same order, each once; and the list's narrow copy follows inserts, notes, tags, status
//! changes and deletes.

use servicefit::db::review::{self, Budget, Cursor, Filter, Page, Sort};
use servicefit::db::{self, NewAssessment};
use sqlx::SqlitePool;

const SORTS: [Sort; 4] = [
    Sort::NewestFirst,
    Sort::OldestFirst,
    Sort::HighestScore,
    Sort::LowestScore,
];

fn id_for(i: usize) -> String {
    format!("{i:0>22}")
}

/// 420 assessments with ties in both sort keys: every 7th has a note (every 21st two), every
/// 5th the tag `hot-lead`, every 9th `legal`, every 11th is "won", every 13th "contacted",
/// every 6th flagged.
async fn seeded() -> (tempfile::TempDir, SqlitePool) {
    let dir = tempfile::tempdir().expect("temp dir");
    let url = format!("sqlite://{}", dir.path().join("list.db").display());
    let pool = db::connect(&url).await.expect("database");
    for i in 0..420 {
        let id = id_for(i);
        let created_at = format!(
            "2026-{:02}-{:02}T{:02}:00:00.000Z",
            1 + i % 3,
            1 + i % 28,
            i % 24
        );
        let company = match i % 5 {
            0 => None,
            1 => Some(format!("Harbor Dental {i}")),
            2 => Some(format!("50%_off Café {i}")),
            3 => Some(format!("Pine LAW {i}")),
            _ => Some(String::new()),
        };
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
                score: ((i * 37) % 41) as f64 / 2.0 - 10.0,
                answers_json: "{}",
                result_json: "{}",
                flagged: (i % 6 == 0).then_some("honeypot field filled in"),
            },
        )
        .await
        .expect("insert");
        if i % 7 == 0 {
            let note = format!("ransomware scare, call back ({i})");
            review::add_note(&pool, &id, "ana@msp.example", &note, &created_at)
                .await
                .expect("note");
        }
        if i % 21 == 0 {
            review::add_note(
                &pool,
                &id,
                "ana@msp.example",
                "Dentist next door",
                &created_at,
            )
            .await
            .expect("note");
        }
        let mut tags = Vec::new();
        if i % 5 == 0 {
            tags.push("hot-lead".to_owned());
        }
        if i % 9 == 0 {
            tags.push("legal".to_owned());
        }
        if !tags.is_empty() {
            review::set_tags(&pool, &id, &tags).await.expect("tags");
        }
        for (every, status) in [(11, "won"), (13, "contacted")] {
            if i % every == 0 {
                review::set_status(&pool, &id, status, "ana@msp.example", &created_at)
                    .await
                    .expect("status");
            }
        }
    }
    (dir, pool)
}

/// The obvious query: every filter as a test of its own over `assessments`, `notes` and `tags`.
async fn expected(pool: &SqlitePool, f: &Filter, sort: Sort) -> Vec<String> {
    let mut sql = String::from("SELECT a.id FROM assessments a WHERE 1 = 1");
    let mut binds: Vec<String> = Vec::new();
    if let Some(q) = &f.q {
        sql.push_str(
            " AND (a.company LIKE ?1 ESCAPE '\\' OR EXISTS (SELECT 1 FROM notes n
               WHERE n.assessment_id = a.id AND n.kind = 'note' AND n.body LIKE ?1 ESCAPE '\\'))",
        );
        let escaped = q
            .replace('\\', "\\\\")
            .replace('%', "\\%")
            .replace('_', "\\_");
        binds.push(format!("%{escaped}%"));
    }
    let mut n = binds.len();
    let mut test = |sql: &mut String, text: &str, value: &str| {
        n += 1;
        sql.push_str(&text.replace('#', &format!("?{n}")));
        binds.push(value.to_owned());
    };
    if let Some(r) = &f.recommendation {
        test(&mut sql, " AND a.recommendation = #", r);
    }
    if let Some(from) = &f.from {
        test(&mut sql, " AND a.created_at >= #", from);
    }
    if let Some(to) = &f.to_before {
        test(&mut sql, " AND a.created_at < #", to);
    }
    if let Some(s) = &f.status {
        test(&mut sql, " AND a.status = #", s);
    }
    if let Some(t) = &f.tag {
        test(
            &mut sql,
            " AND EXISTS (SELECT 1 FROM tags t WHERE t.assessment_id = a.id AND t.tag = #)",
            t,
        );
    }
    match f.flagged {
        Some(true) => sql.push_str(" AND a.flagged IS NOT NULL"),
        Some(false) => sql.push_str(" AND a.flagged IS NULL"),
        None => {}
    }
    sql.push_str(match sort {
        Sort::NewestFirst => " ORDER BY a.created_at DESC, a.id DESC",
        Sort::OldestFirst => " ORDER BY a.created_at ASC, a.id ASC",
        Sort::HighestScore => " ORDER BY a.score DESC, a.id DESC",
        Sort::LowestScore => " ORDER BY a.score ASC, a.id ASC",
    });
    let mut query = sqlx::query_scalar::<_, String>(sqlx::AssertSqlSafe(sql));
    for b in binds {
        query = query.bind(b);
    }
    query.fetch_all(pool).await.expect("plain query")
}

/// Every page of the selection, `limit` rows a page, following the cursor as the list page
/// does: from the last row of a full page, or from where a walk stopped searching.
async fn all_pages(
    pool: &SqlitePool,
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

fn filters() -> Vec<Filter> {
    let s = |v: &str| Some(v.to_owned());
    let f = Filter::default;
    vec![
        f(),
        Filter {
            q: s("dental"),
            ..f()
        },
        Filter {
            q: s("DENTAL 1"),
            ..f()
        },
        Filter {
            q: s("50%_"),
            ..f()
        },
        Filter { q: s("%"), ..f() },
        Filter {
            q: s("café"),
            ..f()
        },
        Filter {
            q: s("ransomware"),
            ..f()
        },
        Filter {
            q: s("nothing like it"),
            ..f()
        },
        Filter { q: s("la"), ..f() },
        Filter { q: s("e"), ..f() },
        Filter {
            recommendation: s("managed"),
            ..f()
        },
        Filter {
            from: s("2026-02-10T00:00:00Z"),
            to_before: s("2026-03-05T00:00:00Z"),
            ..f()
        },
        Filter {
            from: s("2026-03-01T00:00:00Z"),
            ..f()
        },
        Filter {
            status: s("won"),
            ..f()
        },
        Filter {
            tag: s("hot-lead"),
            ..f()
        },
        Filter {
            tag: s("legal"),
            status: s("contacted"),
            ..f()
        },
        Filter {
            flagged: Some(true),
            ..f()
        },
        Filter {
            flagged: Some(false),
            recommendation: s("co_managed"),
            to_before: s("2026-02-15T00:00:00Z"),
            ..f()
        },
        Filter {
            tag: s("hot-lead"),
            q: s("law"),
            ..f()
        },
        Filter {
            status: s("won"),
            q: s("scare"),
            ..f()
        },
        Filter {
            flagged: Some(true),
            status: s("won"),
            q: s("ar"),
            tag: s("legal"),
            from: s("2026-01-05T00:00:00Z"),
            ..f()
        },
    ]
}

#[tokio::test]
async fn every_filter_sort_and_page_size_pages_through_exactly_the_plain_querys_rows() {
    let (_dir, pool) = seeded().await;
    let filters = filters();
    assert_eq!(filters.len(), 21);
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
    assert!(continued > 1_000, "the walks stopped at their budget");
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
}
