//! Upgrades: a database written at an older schema, with rows in it, opened by this release. The
//! later migrations' backfills (search index, review list, its note and tag columns) run on
//! those rows here, which no test on an empty database can show.

mod common;

use common::consultant::Consultant;
use common::{DATABASE_FILE, TestApp, dental_practice, tiny_studio};
use serde_json::json;
use sqlx::sqlite::{SqliteConnectOptions, SqlitePoolOptions};

/// The schema of the first release with the review workflow (status, notes, tags): every later
/// migration runs on the rows this test writes at it.
const OLDER_VERSION: i64 = 20261121000002;

#[derive(sqlx::FromRow)]
struct AssessmentRow {
    id: String,
    created_at: String,
    rules_version: String,
    company: Option<String>,
    employees: i64,
    recommendation: String,
    confidence: String,
    score: f64,
    answers: String,
    result: String,
    status: String,
}

#[derive(sqlx::FromRow)]
struct NoteRow {
    assessment_id: String,
    author: String,
    kind: String,
    body: String,
    created_at: String,
}

#[derive(sqlx::FromRow)]
struct TagRow {
    assessment_id: String,
    tag: String,
}

/// What an owner and a consultant saw of one assessment before the upgrade.
struct Seen {
    id: String,
    company: Option<String>,
    json: Vec<u8>,
    page: String,
}

fn url_query(pairs: &[(&str, &str)]) -> String {
    serde_urlencoded::to_string(pairs).unwrap()
}

#[tokio::test]
async fn rows_written_at_an_older_schema_are_listed_searchable_and_render_as_before() {
    // The rows: made by this release's rules, then written as the older schema stored them.
    let source = TestApp::spawn().await;
    let mut answers = vec![dental_practice(), tiny_studio()];
    let mut nameless = dental_practice();
    nameless.as_object_mut().unwrap().remove("company");
    answers.push(nameless);
    let mut unicode = tiny_studio();
    unicode["company"] = json!("Café Ünïcode 東京");
    answers.push(unicode);
    for i in 0..6 {
        let mut a = dental_practice();
        a["company"] = json!(format!("Seed {i} Accounting"));
        a["employees"] = json!(4 + 15 * i);
        answers.push(a);
    }
    let mut seen = Vec::new();
    for a in &answers {
        let id = source.create(a).await["id"].as_str().unwrap().to_owned();
        let json = source
            .get(&format!("/api/v1/assessments/{id}"))
            .await
            .bytes()
            .await
            .unwrap()
            .to_vec();
        let page = source
            .get(&format!("/assessments/{id}"))
            .await
            .text()
            .await
            .unwrap();
        let company = a["company"].as_str().map(str::to_owned);
        seen.push(Seen {
            id,
            company,
            json,
            page,
        });
    }
    let (dental, studio) = (&seen[0].id, &seen[1].id);
    let consultant = Consultant::sign_in(&source).await;
    for (id, path, pairs) in [
        (dental, "notes", [("body", "Called the owner on Tuesday")]),
        (dental, "tags", [("tags", "hipaa, priority")]),
        (studio, "tags", [("tags", "legal")]),
        (studio, "status", [("status", "contacted")]),
    ] {
        let res = consultant
            .post(
                &source,
                &format!("/consultant/assessments/{id}/{path}"),
                &pairs,
            )
            .await;
        assert_eq!(res.status(), 303, "{path}");
    }
    let pool = source.db().await;
    let rows: Vec<AssessmentRow> = sqlx::query_as(
        "SELECT id, created_at, rules_version, company, employees, recommendation, confidence, \
         score, answers, result, status FROM assessments",
    )
    .fetch_all(&pool)
    .await
    .unwrap();
    let notes: Vec<NoteRow> = sqlx::query_as(
        "SELECT assessment_id, author, kind, body, created_at FROM notes ORDER BY id",
    )
    .fetch_all(&pool)
    .await
    .unwrap();
    let tags: Vec<TagRow> = sqlx::query_as("SELECT assessment_id, tag FROM tags")
        .fetch_all(&pool)
        .await
        .unwrap();
    assert_eq!(rows.len(), seen.len());
    assert_eq!(tags.len(), 3);
    pool.close().await;

    // The older database.
    let dir = tempfile::tempdir().unwrap();
    let old = SqlitePoolOptions::new()
        .max_connections(1)
        .connect_with(
            SqliteConnectOptions::new()
                .filename(dir.path().join(DATABASE_FILE))
                .create_if_missing(true)
                .foreign_keys(true),
        )
        .await
        .unwrap();
    sqlx::migrate!().run_to(OLDER_VERSION, &old).await.unwrap();
    let applied: i64 = sqlx::query_scalar("SELECT count(*) FROM _sqlx_migrations")
        .fetch_one(&old)
        .await
        .unwrap();
    assert_eq!(applied, 2, "only the older migrations");
    for r in &rows {
        sqlx::query(
            "INSERT INTO assessments (id, created_at, rules_version, company, employees, \
             recommendation, confidence, score, answers, result, status) \
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        )
        .bind(&r.id)
        .bind(&r.created_at)
        .bind(&r.rules_version)
        .bind(&r.company)
        .bind(r.employees)
        .bind(&r.recommendation)
        .bind(&r.confidence)
        .bind(r.score)
        .bind(&r.answers)
        .bind(&r.result)
        .bind(&r.status)
        .execute(&old)
        .await
        .unwrap();
    }
    for n in &notes {
        sqlx::query(
            "INSERT INTO notes (assessment_id, author, kind, body, created_at) \
             VALUES (?, ?, ?, ?, ?)",
        )
        .bind(&n.assessment_id)
        .bind(&n.author)
        .bind(&n.kind)
        .bind(&n.body)
        .bind(&n.created_at)
        .execute(&old)
        .await
        .unwrap();
    }
    for t in &tags {
        sqlx::query("INSERT INTO tags (assessment_id, tag) VALUES (?, ?)")
            .bind(&t.assessment_id)
            .bind(&t.tag)
            .execute(&old)
            .await
            .unwrap();
    }
    old.close().await;

    // This release on it.
    let app = TestApp::spawn_on_existing(dir).await;
    let consultant = Consultant::sign_in(&app).await;
    let link = |id: &str| format!("/consultant/assessments/{id}\"");
    let list = consultant.page(&app, "/consultant").await;
    for s in &seen {
        assert!(list.contains(&link(&s.id)), "{} is listed", s.id);
        if let Some(company) = &s.company {
            let found = consultant
                .page(
                    &app,
                    &format!("/consultant?{}", url_query(&[("q", company)])),
                )
                .await;
            assert!(found.contains(&link(&s.id)), "{company} is found");
            assert_eq!(
                found.matches("/consultant/assessments/").count(),
                1,
                "{company}"
            );
        }
        let res = app.get(&format!("/api/v1/assessments/{}", s.id)).await;
        assert_eq!(res.status(), 200);
        assert_eq!(res.bytes().await.unwrap().to_vec(), s.json, "{} JSON", s.id);
        let page = app.get(&format!("/assessments/{}", s.id)).await;
        assert_eq!(page.status(), 200);
        assert_eq!(page.text().await.unwrap(), s.page, "{} page", s.id);
    }
    for (query, expected, other) in [
        (url_query(&[("q", "on Tuesday")]), dental, studio),
        (url_query(&[("tag", "hipaa")]), dental, studio),
        (url_query(&[("tag", "legal")]), studio, dental),
        (url_query(&[("status", "contacted")]), studio, dental),
        (
            url_query(&[("q", "Tuesday"), ("tag", "priority")]),
            dental,
            studio,
        ),
    ] {
        let page = consultant.page(&app, &format!("/consultant?{query}")).await;
        assert!(page.contains(&link(expected)), "{query}");
        assert!(!page.contains(&link(other)), "{query}");
    }
    let detail = consultant
        .page(&app, &format!("/consultant/assessments/{dental}"))
        .await;
    assert!(detail.contains("Called the owner on Tuesday"));
    assert!(detail.contains("value=\"hipaa, priority\""));

    // New rows join the old ones.
    let fresh = app.create(&dental_practice()).await;
    let list = consultant.page(&app, "/consultant").await;
    assert!(list.contains(&link(fresh["id"].as_str().unwrap())));
    assert_eq!(
        list.matches("/consultant/assessments/").count(),
        seen.len() + 1
    );
}
