//! `servicefit copy-database`, run as the real binary: a SQLite database filled through the app
//! is copied to PostgreSQL (when `SERVICEFIT_TEST_POSTGRES` names a server; to another SQLite
//! file otherwise) and back to a new SQLite file, and all three hold the same rows, value for
//! value.

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::process::{Command, Output};
use std::time::Duration;

use common::binary::BIN;
use common::consultant::Consultant;
use common::report::{DELIVERY, with_smtp};
use common::smtp::SmtpSink;
use common::{
    CONSULTANT_EMAIL, CONSULTANT_PASSWORD, TestApp, database, dental_practice, tiny_studio,
};
use servicefit::db::{self, Db};
use sqlx::{AssertSqlSafe, Row, ValueRef};

/// One stored value, compared across backends: a REAL by its bits.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
enum V {
    Null,
    Int(i64),
    Real(u64),
    Text(String),
    Bytes(Vec<u8>),
}

/// Every table of the database as its schema lists them (not the copy's own list), each with
/// its columns by name; SQLite's FTS index and internal tables left out.
async fn schema(db: &Db) -> BTreeMap<String, Vec<String>> {
    let rows: Vec<(String, String)> = match db {
        Db::Sqlite(pool) => sqlx::query_as(
            "SELECT m.name, p.name FROM sqlite_schema AS m, pragma_table_info(m.name) AS p \
             WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite\\_%' ESCAPE '\\' \
             AND m.name NOT LIKE 'search\\_index%' ESCAPE '\\'",
        )
        .fetch_all(pool)
        .await
        .unwrap(),
        Db::Postgres(pool) => sqlx::query_as(
            "SELECT table_name::text, column_name::text FROM information_schema.columns \
             WHERE table_schema = current_schema()",
        )
        .fetch_all(pool)
        .await
        .unwrap(),
    };
    let mut tables: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for (table, column) in rows {
        tables.entry(table).or_default().push(column);
    }
    for columns in tables.values_mut() {
        columns.sort();
    }
    if matches!(db, Db::Sqlite(_)) {
        // The tombstones' order lives in SQLite's implicit rowid.
        tables
            .get_mut("erased_assessments")
            .unwrap()
            .push("rowid".into());
    }
    tables
}

/// Every row of every table, sorted, but `_sqlx_migrations` (when each was applied) and the
/// search documents' ids (numbered by the order the triggers ran in): the documents themselves
/// are compared.
async fn dump(url: &str) -> BTreeMap<String, Vec<Vec<V>>> {
    let db = Db::connect(url, 2).await.expect("open");
    let mut out = BTreeMap::new();
    for (table, mut columns) in schema(&db).await {
        if table == "_sqlx_migrations" {
            continue;
        }
        if table == "search_docs" {
            columns.retain(|c| c != "id");
        }
        let sql = format!("SELECT {} FROM {table}", columns.join(", "));
        let mut rows: Vec<Vec<V>> = servicefit::on_pool!(&db, pool => {
            let mut rows = Vec::new();
            for row in sqlx::query(AssertSqlSafe(sql)).fetch_all(pool).await.unwrap() {
                let mut values = Vec::new();
                for i in 0..columns.len() {
                    values.push(if row.try_get_raw(i).unwrap().is_null() {
                        V::Null
                    } else if let Ok(v) = row.try_get::<i64, _>(i) {
                        V::Int(v)
                    } else if let Ok(v) = row.try_get::<f64, _>(i) {
                        V::Real(v.to_bits())
                    } else if let Ok(v) = row.try_get::<String, _>(i) {
                        V::Text(v)
                    } else {
                        V::Bytes(row.try_get::<Vec<u8>, _>(i).unwrap())
                    });
                }
                rows.push(values);
            }
            rows
        });
        rows.sort();
        out.insert(table, rows);
    }
    db.close().await;
    out
}

fn copy(from: &str, to: &str) -> Output {
    Command::new(BIN)
        .args(["copy-database", "--from", from, "--to", to])
        .env("RUST_LOG", "warn")
        .output()
        .expect("run servicefit copy-database")
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// The assessments a list page links to.
fn listed(html: &str) -> BTreeSet<String> {
    html.split("/consultant/assessments/")
        .skip(1)
        .map(|rest| {
            rest.chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_')
                .collect()
        })
        .collect()
}

async fn wait_for_count(app: &TestApp, sql: &str, done: impl Fn(i64) -> bool) {
    let db = app.db().await;
    let deadline = std::time::Instant::now() + DELIVERY;
    loop {
        let got: i64 = servicefit::on_pool!(&db, pool => sqlx::query_scalar(AssertSqlSafe(sql.to_owned()))
            .fetch_one(pool)
            .await
            .unwrap());
        if done(got) {
            return;
        }
        assert!(std::time::Instant::now() < deadline, "{sql}: {got}");
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
}

/// The password in `url`, if it has one.
fn password_of(url: &str) -> Option<String> {
    let rest = url.split_once("://")?.1;
    let credentials = rest.rsplit_once('@')?.0;
    credentials
        .split_once(':')
        .map(|(_, password)| password.to_owned())
}

#[tokio::test(flavor = "multi_thread")]
async fn a_sqlite_database_moves_over_whole_and_back_value_for_value() {
    // A source filled through the app: assessments, an erased one, a consultant with notes,
    // a status and tags, a failed sign-in, a lead with its email sent, a webhook event whose
    // delivery failed (nothing listens; the stopped clock keeps it from retrying).
    let sink = SmtpSink::start().await;
    let nowhere = {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        listener.local_addr().unwrap()
    };
    let smtp = with_smtp(&sink);
    let source = TestApp::spawn_sqlite_with(|c| {
        smtp(c);
        c.webhook_url = Some(format!("http://{nowhere}/hook").parse().unwrap());
        c.webhook_secret = Some("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw".parse().unwrap());
        // One attempt each, then quiet: the source must hold still while it is compared.
        c.webhook_backoff_ms = 3_600_000;
    })
    .await;
    let dental = source.create_with_link(&dental_practice()).await;
    let dental_id = dental["id"].as_str().unwrap().to_owned();
    let studio_id = source.create(&tiny_studio()).await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let gone = source.create_with_link(&tiny_studio()).await;
    let gone_id = gone["id"].as_str().unwrap().to_owned();
    let token = gone["delete_url"]
        .as_str()
        .unwrap()
        .split_once("token=")
        .unwrap()
        .1
        .to_owned();
    let res = source
        .post_form(
            &format!("/assessments/{gone_id}/delete"),
            &[("token", &token)],
        )
        .await;
    assert_eq!(res.status(), 303);

    let b = Consultant::sign_in(&source).await;
    let base = format!("/consultant/assessments/{dental_id}");
    for (path, pairs) in [
        ("notes", vec![("body", "Called the owner Tuesday")]),
        ("notes", vec![("body", "Zweite Notiz: Grüße, 東京 🦷")]),
        ("status", vec![("status", "contacted")]),
        ("tags", vec![("tags", "dental, priority")]),
    ] {
        let res = b.post(&source, &format!("{base}/{path}"), &pairs).await;
        assert_eq!(res.status(), 303, "{path}");
    }
    let res = b
        .post(
            &source,
            &format!("/consultant/assessments/{studio_id}/notes"),
            &[("body", "Tuesday too")],
        )
        .await;
    assert_eq!(res.status(), 303);
    assert_eq!(
        source
            .sign_in(CONSULTANT_EMAIL, "wrong password!")
            .await
            .status(),
        401,
        "a failed sign-in"
    );
    let res = source
        .post_json(
            &format!("/api/v1/assessments/{dental_id}/report"),
            &serde_json::json!({"name": "Ana Lima", "email": "Ana.Lima@shop.example", "consent": true}),
        )
        .await;
    assert_eq!(res.status(), 202);
    assert_eq!(sink.wait_for(1, DELIVERY).await.len(), 1);
    wait_for_count(&source, "SELECT count(*) FROM mail_deliveries", |n| n >= 1).await;
    // Two assessments kept, one deleted (its own events go with it), one lead: four events,
    // each tried once.
    wait_for_count(&source, "SELECT count(*) FROM webhook_deliveries", |n| {
        n >= 4
    })
    .await;
    wait_for_count(
        &source,
        "SELECT count(*) FROM webhook_outbox WHERE attempts = 0",
        |n| n == 0,
    )
    .await;

    let source_url = source.config.database_url.clone();
    let original = dump(&source_url).await;
    for table in [
        "assessments",
        "notes",
        "tags",
        "leads",
        "mail_outbox",
        "mail_deliveries",
        "webhook_outbox",
        "webhook_deliveries",
        "erased_assessments",
        "consultants",
        "login_failures",
        "settings",
        "sessions",
        "review_list",
        "search_docs",
    ] {
        assert!(!original[table].is_empty(), "the source has {table}");
    }

    // There, and back to a new SQLite file.
    let dir = tempfile::tempdir().unwrap();
    let middle_url = match database::postgres_server() {
        Some(server) => database::fresh_postgres(&server).await,
        None => format!("sqlite://{}", dir.path().join("middle.db").display()),
    };
    let back_url = format!("sqlite://{}", dir.path().join("back.db").display());
    for (from, to) in [(&source_url, &middle_url), (&middle_url, &back_url)] {
        let out = copy(from, to);
        let err = stderr(&out);
        assert!(out.status.success(), "copy {from} -> {to}: {err}");
        assert!(err.contains("assessments: 2 / 2"), "progress: {err}");
        assert!(err.contains("notes: 4 / 4"), "progress: {err}");
        if let Some(password) = password_of(to).or_else(|| password_of(from)) {
            assert!(
                !err.contains(&password)
                    && !String::from_utf8_lossy(&out.stdout).contains(&password)
            );
        }
    }

    // Every table the same, row for row, value for value, but the sessions, which stay behind;
    // the review list and the search documents rebuilt the same by the target's triggers.
    let mut expected = original.clone();
    expected.insert("sessions".into(), Vec::new());
    let middle = dump(&middle_url).await;
    let back = dump(&back_url).await;
    let tables = |d: &BTreeMap<String, Vec<Vec<V>>>| d.keys().cloned().collect::<Vec<_>>();
    assert_eq!(tables(&middle), tables(&expected), "same tables");
    for (table, rows) in &expected {
        if table == "write_probe" {
            continue;
        }
        assert_eq!(
            &middle[table],
            rows,
            "{table} on {}",
            db::redacted(&middle_url)
        );
        assert_eq!(&back[table], rows, "{table} back on SQLite");
    }

    // The copy serves what the original served.
    let copy_app = TestApp::spawn_with(|c| c.database_url = middle_url.clone()).await;
    for id in [&dental_id, &studio_id] {
        let path = format!("/api/v1/assessments/{id}");
        let was = common::text(source.get(&path).await).await;
        let is = common::text(copy_app.get(&path).await).await;
        assert_eq!(is, was, "{path}");
        let page = format!("/assessments/{id}");
        assert_eq!(copy_app.get(&page).await.status(), 200);
    }
    assert_eq!(
        copy_app
            .get(&format!("/assessments/{gone_id}"))
            .await
            .status(),
        410,
        "the erased one stays gone"
    );

    // The consultant signs in again (no session came along) and finds the same rows.
    let was = Consultant::sign_in(&source).await;
    assert_eq!(
        copy_app
            .sign_in(CONSULTANT_EMAIL, CONSULTANT_PASSWORD)
            .await
            .status(),
        303
    );
    let is = Consultant::sign_in(&copy_app).await;
    for query in [
        "",
        "?q=tuesday",
        "?q=Gr%C3%BC%C3%9Fe",
        "?q=dental",
        "?tag=priority",
        "?status=contacted",
    ] {
        let path = format!("/consultant{query}");
        let before = listed(&was.page(&source, &path).await);
        let after = listed(&is.page(&copy_app, &path).await);
        assert!(!before.is_empty(), "{path} finds something");
        assert_eq!(after, before, "{path}");
    }
    let res = is
        .post(
            &copy_app,
            &format!("{base}/notes"),
            &[("body", "Added after the move")],
        )
        .await;
    assert_eq!(res.status(), 303, "a note added after the copy is stored");
    let max_copied = original["notes"]
        .iter()
        .filter_map(|row| match row.iter().find(|v| matches!(v, V::Int(_))) {
            Some(V::Int(id)) => Some(*id),
            _ => None,
        })
        .max()
        .unwrap();
    let newest: i64 = servicefit::on_pool!(&copy_app.db().await, pool => sqlx::query_scalar("SELECT max(id) FROM notes")
        .fetch_one(pool)
        .await
        .unwrap());
    assert!(
        newest > max_copied,
        "the new note's id follows the copied ones"
    );

    // A target that holds data is refused, and nothing is written to it.
    let before = dump(&back_url).await;
    let out = copy(&source_url, &back_url);
    let err = stderr(&out);
    assert!(!out.status.success(), "a non-empty target is refused");
    assert!(
        err.contains("the target database is not empty: 2 assessments"),
        "{err}"
    );
    assert!(err.contains("copy into an empty database"), "{err}");
    assert_eq!(dump(&back_url).await, before, "nothing written");
}

#[tokio::test]
async fn a_source_that_is_not_a_servicefit_database_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let missing = format!("sqlite://{}", dir.path().join("missing.db").display());
    let target = format!("sqlite://{}", dir.path().join("target.db").display());
    let out = copy(&missing, &target);
    assert!(!out.status.success());
    assert!(stderr(&out).contains("does not exist"), "{}", stderr(&out));
    assert!(
        !dir.path().join("missing.db").exists(),
        "the source is never created"
    );

    let empty = dir.path().join("empty.db");
    {
        use sqlx::Connection;
        let mut conn =
            sqlx::SqliteConnection::connect(&format!("sqlite://{}?mode=rwc", empty.display()))
                .await
                .unwrap();
        sqlx::query("CREATE TABLE unrelated (x INTEGER)")
            .execute(&mut conn)
            .await
            .unwrap();
    }
    let out = copy(&format!("sqlite://{}", empty.display()), &target);
    assert!(!out.status.success());
    assert!(
        stderr(&out).contains("no servicefit migrations"),
        "{}",
        stderr(&out)
    );

    // A database an older version left (the first six migrations): its tables are not this
    // version's.
    let older = dir.path().join("older.db");
    let pool = sqlx::SqlitePool::connect(&format!("sqlite://{}?mode=rwc", older.display()))
        .await
        .unwrap();
    sqlx::migrate!("migrations/sqlite")
        .run_to(20261122000003, &pool)
        .await
        .unwrap();
    pool.close().await;
    let out = copy(&format!("sqlite://{}", older.display()), &target);
    let err = stderr(&out);
    assert!(!out.status.success());
    assert!(
        err.contains("the source database lacks") && err.contains("start this version"),
        "{err}"
    );
    let applied: i64 = {
        let pool = sqlx::SqlitePool::connect(&format!("sqlite://{}", older.display()))
            .await
            .unwrap();
        sqlx::query_scalar("SELECT count(*) FROM _sqlx_migrations")
            .fetch_one(&pool)
            .await
            .unwrap()
    };
    assert_eq!(applied, 6, "the source is left as it was, not migrated");
}

/// Enough rows that every table's walk takes several batches: keyset over a text key, an
/// integer key with gaps, a two-column key (tags) and offsets over duplicates (login
/// failures), with REAL scores that only an exact copy keeps.
#[tokio::test(flavor = "multi_thread")]
async fn thousands_of_rows_move_in_batches_value_for_value() {
    let dir = tempfile::tempdir().unwrap();
    let source_url = format!("sqlite://{}", dir.path().join("source.db").display());
    let source = Db::connect(&source_url, 1).await.unwrap();
    let pool = source.as_sqlite().unwrap();
    for sql in [
        "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 2500)
         INSERT INTO assessments (id, created_at, rules_version, company, employees,
             recommendation, confidence, score, answers, result, flagged, delete_token_hash)
         SELECT printf('a%05d', i), printf('2026-11-%02dT00:00:00Z', 1 + i % 28), 'r1',
             CASE WHEN i % 5 = 0 THEN NULL ELSE 'Company ' || i END, i,
             'managed', 'strong', i * 0.1 + 1e-9, '{\"i\":' || i || '}', '{}',
             CASE WHEN i % 3 = 0 THEN 'honeypot' END,
             CASE WHEN i % 2 = 0 THEN randomblob(32) END
         FROM n",
        "UPDATE assessments SET score = 1.7976931348623157e308 WHERE id = 'a00001'",
        "UPDATE assessments SET score = 4.9e-324 WHERE id = 'a00002'",
        "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 2500)
         INSERT INTO notes (id, assessment_id, author, kind, body, created_at)
         SELECT i * 3, printf('a%05d', 1 + i % 50), 'c@msp.example',
             CASE WHEN i % 4 = 0 THEN 'status' ELSE 'note' END, 'note ' || i,
             '2026-11-30T00:00:00Z'
         FROM n",
        "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 2500)
         INSERT INTO tags (assessment_id, tag)
         SELECT printf('a%05d', i), 'tag' || (i % 7) FROM n
         UNION ALL SELECT printf('a%05d', i), 'zz' FROM n",
        "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 2500)
         INSERT INTO login_failures (key, at) SELECT 'key' || (i % 7), i % 11 FROM n",
    ] {
        sqlx::query(sql).execute(pool).await.unwrap();
    }
    source.close().await;
    let original = dump(&source_url).await;
    assert_eq!(original["tags"].len(), 5_000);

    let middle_url = match database::postgres_server() {
        Some(server) => database::fresh_postgres(&server).await,
        None => format!("sqlite://{}", dir.path().join("middle.db").display()),
    };
    let back_url = format!("sqlite://{}", dir.path().join("back.db").display());
    for (from, to) in [(&source_url, &middle_url), (&middle_url, &back_url)] {
        let out = copy(from, to);
        let err = stderr(&out);
        assert!(out.status.success(), "copy: {err}");
        assert!(err.contains("assessments: 2,500 / 2,500"), "{err}");
        assert!(err.contains("tags: 5,000 / 5,000"), "{err}");
        assert!(err.contains("login_failures: 2,500 / 2,500"), "{err}");
    }
    for (name, url) in [("middle", &middle_url), ("back", &back_url)] {
        let copied = dump(url).await;
        for (table, rows) in &original {
            assert_eq!(&copied[table], rows, "{table} on {name}");
        }
    }
}

/// A row the target refuses half-way (a note whose assessment is missing, which a SQLite file
/// written without foreign keys can hold) fails the copy and leaves the target empty: the
/// assessments copied before it are rolled back with it.
#[tokio::test(flavor = "multi_thread")]
async fn a_copy_that_fails_half_way_leaves_the_target_empty() {
    let dir = tempfile::tempdir().unwrap();
    let source_url = format!("sqlite://{}", dir.path().join("source.db").display());
    let source = Db::connect(&source_url, 1).await.unwrap();
    let pool = source.as_sqlite().unwrap();
    let mut conn = pool.acquire().await.unwrap();
    for sql in [
        "INSERT INTO assessments (id, created_at, rules_version, company, employees,
             recommendation, confidence, score, answers, result)
         VALUES ('kept', '2026-11-01T00:00:00Z', 'r1', 'Kept', 5, 'managed', 'strong', 1.5,
             '{}', '{}')",
        "PRAGMA foreign_keys = OFF",
        "INSERT INTO notes (assessment_id, author, body, created_at)
         VALUES ('missing', 'c@msp.example', 'orphan', '2026-11-02T00:00:00Z')",
        "PRAGMA foreign_keys = ON",
    ] {
        sqlx::query(sql).execute(&mut *conn).await.unwrap();
    }
    drop(conn);
    source.close().await;

    let target_url = match database::postgres_server() {
        Some(server) => database::fresh_postgres(&server).await,
        None => format!("sqlite://{}", dir.path().join("target.db").display()),
    };
    let out = copy(&source_url, &target_url);
    let err = stderr(&out);
    assert!(!out.status.success(), "the orphan note fails the copy");
    assert!(err.contains("copying notes; nothing was written"), "{err}");
    let target = dump(&target_url).await;
    for (table, rows) in &target {
        assert!(rows.is_empty(), "{table} holds {} rows", rows.len());
    }
}
