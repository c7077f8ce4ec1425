//! The fixture and the reference the review list is checked against: 420 seeded assessments,
//! the filters to try, and the obvious query that says which rows each selection holds.

use servicefit::db::Db;
use servicefit::db::review::{self, Filter, Sort};
use servicefit::db::{self, NewAssessment};

pub const SORTS: [Sort; 4] = [
    Sort::NewestFirst,
    Sort::OldestFirst,
    Sort::HighestScore,
    Sort::LowestScore,
];

pub fn id_for(i: usize) -> String {
    format!("{i:0>22}")
}

/// 420 assessments with ties in both sort keys: every 7th has a note (every 21st two), every
/// 5th the tag `hot-lead`, every 9th `legal`, every 11th is "won", every 13th "contacted",
/// every 6th flagged, every 8th has a lead (every 24th two).
pub async fn seeded() -> (tempfile::TempDir, Db) {
    let dir = tempfile::tempdir().expect("temp dir");
    let url = crate::database::fresh_url(dir.path(), "list.db").await;
    let pool = db::Db::connect(&url, 4).await.expect("database");
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
                delete_token_hash: None,
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
        if i % 8 == 0 {
            add_lead(&pool, &id, &format!("{i}-a"), &created_at).await;
        }
        if i % 24 == 0 {
            add_lead(&pool, &id, &format!("{i}-b"), &created_at).await;
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

/// Stores a lead (and its email) for assessment `id`; `key` makes its ids unique.
pub async fn add_lead(pool: &Db, id: &str, key: &str, created_at: &str) {
    let lead_id = format!("lead-{key}");
    let mail_id = format!("mail-{key}");
    let stored = db::leads::insert_lead(
        pool,
        &db::leads::NewLead {
            id: &lead_id,
            assessment_id: id,
            name: "Owner",
            email: "owner@example.com",
            email_key: "owner@example.com",
            consent_text: "You may email me my report.",
            consent_version: "v1",
            created_at,
            client_addr: "192.0.2.1",
        },
        &db::leads::NewMail {
            id: &mail_id,
            recipient: "owner@example.com",
            subject: "Your report",
            text_body: "text",
            html_body: "<p>html</p>",
            due_at_ms: 0,
        },
        None,
        10,
    )
    .await
    .expect("lead");
    assert_eq!(stored, db::leads::LeadStored::Stored);
}

/// The obvious query: every filter as a test of its own over `assessments`, `notes` and `tags`.
pub async fn expected(pool: &Db, f: &Filter, sort: Sort) -> Vec<String> {
    let mut sql = String::from("SELECT a.id FROM assessments a WHERE 1 = 1");
    let mut binds: Vec<String> = Vec::new();
    if let Some(q) = &f.q {
        sql.push_str(
            " AND (a.company LIKE $1 ESCAPE '\\' OR EXISTS (SELECT 1 FROM notes n
               WHERE n.assessment_id = a.id AND n.kind = 'note' AND n.body LIKE $1 ESCAPE '\\'))",
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
        sql.push_str(&text.replace('#', &format!("${n}")));
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
    if f.has_lead {
        sql.push_str(" AND EXISTS (SELECT 1 FROM leads l WHERE l.assessment_id = a.id)");
    }
    sql.push_str(match sort {
        Sort::NewestFirst => " ORDER BY a.created_at DESC, a.id DESC",
        Sort::OldestFirst => " ORDER BY a.created_at ASC, a.id ASC",
        Sort::HighestScore => " ORDER BY a.score DESC, a.id DESC",
        Sort::LowestScore => " ORDER BY a.score ASC, a.id ASC",
    });
    // SQLite's LIKE ignores ASCII case; PostgreSQL's ILIKE does (in the C locale, only ASCII).
    if matches!(pool, Db::Postgres(_)) {
        sql = sql.replace(" LIKE ", " ILIKE ");
    }
    servicefit::on_pool!(pool, pool => {
        let mut query = sqlx::query_scalar::<_, String>(sqlx::AssertSqlSafe(sql));
        for b in binds {
            query = query.bind(b);
        }
        query.fetch_all(pool).await.expect("plain query")
    })
}

pub fn filters() -> Vec<Filter> {
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
        Filter {
            has_lead: true,
            ..f()
        },
        Filter {
            has_lead: true,
            status: s("won"),
            ..f()
        },
        Filter {
            has_lead: true,
            tag: s("hot-lead"),
            q: s("dental"),
            ..f()
        },
        Filter {
            has_lead: true,
            flagged: Some(true),
            from: s("2026-02-01T00:00:00Z"),
            ..f()
        },
    ]
}
