//! Upgrades: a database written at an older schema, with rows in it, opened by this release. The
//! later migrations' backfills (search index, review list, its note and tag columns, the
//! webhook events' assessment) run on those rows here, which no test on an empty database can
//! show.

mod common;

use common::consultant::Consultant;
use common::{DATABASE_FILE, TestApp, dental_practice, tiny_studio};
use serde_json::json;
use servicefit::db;
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
    let source = TestApp::spawn_sqlite_with(|_| {}).await;
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
    let pool = source.sqlite_pool().await;
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
    sqlx::migrate!("migrations/sqlite")
        .run_to(OLDER_VERSION, &old)
        .await
        .unwrap();
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

/// The last schema before webhook events named their assessment.
const BEFORE_EVENT_SUBJECTS: i64 = 20261204000020;

/// Polls until every event in `pool`'s outbox has at least one logged attempt.
async fn every_event_attempted(pool: &sqlx::SqlitePool) {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(15);
    loop {
        let waiting: i64 = sqlx::query_scalar(
            "SELECT count(*) FROM webhook_outbox o
             WHERE NOT EXISTS (SELECT 1 FROM webhook_deliveries d WHERE d.message_id = o.id)",
        )
        .fetch_one(pool)
        .await
        .unwrap();
        if waiting == 0 {
            return;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "{waiting} events never attempted"
        );
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
}

#[tokio::test]
async fn the_upgrade_names_each_events_assessment_and_drops_what_earlier_erasures_left() {
    // Real events: a server that announces to a receiver that is down (each attempt logged as
    // failed) and takes report requests, so leads make `lead.created` events.
    let sink = common::smtp::SmtpSink::start().await;
    let smtp = sink.url();
    let source = TestApp::spawn_sqlite_with(move |c| {
        c.webhook_url = Some("http://127.0.0.1:9/hook".parse().unwrap());
        c.webhook_secret = Some("whsec_dGVzdA".parse().unwrap());
        c.webhook_backoff_ms = 20;
        c.smtp_url = Some(smtp.parse().unwrap());
        c.mail_from = Some("Advice desk <advice@msp.example>".parse().unwrap());
    })
    .await;
    let mut ids = Vec::new();
    for (answers, lead) in [
        (dental_practice(), Some(("Kept Owner", "kept@shop.example"))),
        (tiny_studio(), Some(("Erased Owner", "erased@shop.example"))),
        (dental_practice(), None),
    ] {
        let id = source.create(&answers).await["id"]
            .as_str()
            .unwrap()
            .to_owned();
        if let Some((name, email)) = lead {
            let res = source
                .post_json(
                    &format!("/api/v1/assessments/{id}/report"),
                    &json!({"name": name, "email": email, "consent": true}),
                )
                .await;
            assert_eq!(res.status(), 202);
        }
        ids.push(id);
    }
    // Kept: still there. Erased: deleted by its owner before this release, which left its
    // events behind and queued `assessment.deleted`. Expired: deleted by retention, which left
    // its event behind and no tombstone.
    let (kept, erased, expired) = (&ids[0], &ids[1], &ids[2]);
    let pool = source.sqlite_pool().await;
    every_event_attempted(&pool).await;
    pool.close().await;

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
    sqlx::migrate!("migrations/sqlite")
        .run_to(BEFORE_EVENT_SUBJECTS, &old)
        .await
        .unwrap();
    sqlx::query("ATTACH DATABASE ? AS src")
        .bind(source.db_path.display().to_string())
        .execute(&old)
        .await
        .unwrap();
    for sql in [
        "INSERT INTO assessments SELECT * FROM src.assessments WHERE id = ?1",
        "INSERT INTO leads SELECT * FROM src.leads WHERE assessment_id = ?1",
    ] {
        sqlx::query(sql).bind(kept).execute(&old).await.unwrap();
    }
    for sql in [
        "INSERT INTO webhook_outbox (id, event_type, payload, created_at, attempts,
                                     next_attempt_at, delivered_at, failed_at)
         SELECT id, event_type, payload, created_at, attempts, next_attempt_at, delivered_at,
                failed_at FROM src.webhook_outbox",
        "INSERT INTO webhook_deliveries SELECT * FROM src.webhook_deliveries",
    ] {
        sqlx::query(sql).execute(&old).await.unwrap();
    }
    sqlx::query("INSERT INTO erased_assessments (id, erased_at) VALUES (?, ?)")
        .bind(erased)
        .bind("2026-12-04T10:00:00.000Z")
        .execute(&old)
        .await
        .unwrap();
    sqlx::query(
        "INSERT INTO webhook_outbox (id, event_type, payload, created_at, attempts,
                                     next_attempt_at, delivered_at)
         VALUES ('msg_deleted', 'assessment.deleted', ?, '2026-12-04T10:00:00.000Z', 1, 0,
                 '2026-12-04T10:00:00.100Z')",
    )
    .bind(servicefit::webhooks::deleted_payload(erased).unwrap())
    .execute(&old)
    .await
    .unwrap();
    sqlx::query(
        "INSERT INTO webhook_deliveries (message_id, attempt, attempted_at, url, status,
                                         duration_ms)
         VALUES ('msg_deleted', 1, '2026-12-04T10:00:00.100Z', 'http://127.0.0.1:9/hook', 200, 3)",
    )
    .execute(&old)
    .await
    .unwrap();
    let before: Vec<(String, String)> =
        sqlx::query_as("SELECT event_type, payload FROM webhook_outbox ORDER BY event_type")
            .fetch_all(&old)
            .await
            .unwrap();
    assert_eq!(before.len(), 6, "created × 3, lead × 2, deleted × 1");
    assert!(
        before
            .iter()
            .any(|(_, p)| p.contains("erased@shop.example"))
    );
    sqlx::query("DETACH DATABASE src")
        .execute(&old)
        .await
        .unwrap();
    old.close().await;
    drop(source);

    // This release on it.
    let app = TestApp::spawn_on_existing(dir).await;
    let pool = app.sqlite_pool().await;
    let mut events: Vec<(String, Option<String>)> =
        sqlx::query_as("SELECT event_type, assessment_id FROM webhook_outbox")
            .fetch_all(&pool)
            .await
            .unwrap();
    events.sort();
    assert_eq!(
        events,
        [
            ("assessment.created".to_owned(), Some(kept.clone())),
            ("assessment.deleted".to_owned(), Some(erased.clone())),
            ("lead.created".to_owned(), Some(kept.clone())),
        ]
    );
    // The delivery log keeps the attempts of those three events only.
    let logged: Vec<String> = sqlx::query_scalar(
        "SELECT DISTINCT o.event_type FROM webhook_deliveries d
         JOIN webhook_outbox o ON o.id = d.message_id ORDER BY 1",
    )
    .fetch_all(&pool)
    .await
    .unwrap();
    assert_eq!(
        logged,
        ["assessment.created", "assessment.deleted", "lead.created"]
    );
    let orphans: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM webhook_deliveries
         WHERE message_id NOT IN (SELECT id FROM webhook_outbox)",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!(orphans, 0);
    let payloads: Vec<String> = sqlx::query_scalar("SELECT payload FROM webhook_outbox")
        .fetch_all(&pool)
        .await
        .unwrap();
    for p in &payloads {
        assert!(!p.contains("erased@shop.example") && !p.contains("Erased Owner"));
        assert!(!p.contains("Two Pines Studio"), "the erased one's answers");
        assert!(!p.contains(expired.as_str()), "the expired one's event");
    }

    // And the erasure after the upgrade finds the backfilled events.
    let deleted =
        db::delete_assessments_before(&db::Db::Sqlite(pool.clone()), "9999-12-31T00:00:00.000Z")
            .await
            .unwrap();
    assert_eq!(deleted, 1);
    let left: i64 =
        sqlx::query_scalar("SELECT count(*) FROM webhook_outbox WHERE assessment_id = ?")
            .bind(kept)
            .fetch_one(&pool)
            .await
            .unwrap();
    assert_eq!(left, 0);
}
