//! Operations: readiness, request ids and retention.

mod common;

use common::{TestApp, dental_practice};
use servicefit::db;

#[tokio::test]
async fn readyz_is_200_once_migrations_ran_and_the_database_answers() {
    let app = TestApp::spawn().await;
    let res = app.get("/readyz").await;
    assert_eq!(res.status(), 200);
    assert_eq!(res.text().await.unwrap(), "ready");
}

#[tokio::test]
async fn readyz_is_503_while_migrations_are_missing() {
    let app = TestApp::spawn().await;
    let pool = db::Db::connect(&app.config.database_url, 4).await.unwrap();
    servicefit::on_pool!(&pool, pool => { sqlx::query(
        "DELETE FROM _sqlx_migrations WHERE version = (SELECT MAX(version) FROM _sqlx_migrations)",
    )
    .execute(pool)
    .await
    .unwrap(); });
    assert_eq!(app.get("/readyz").await.status(), 503);
    assert_eq!(app.get("/healthz").await.status(), 200);
}

#[tokio::test]
async fn every_response_carries_a_request_id_and_a_given_one_is_kept() {
    let app = TestApp::spawn_with(|c| c.submit_rate_limit = 1).await;
    let mut seen = Vec::new();
    for path in [
        "/",
        "/no/such/page",
        "/api/v1/assessments/nope",
        "/static/x",
    ] {
        let res = app.get(path).await;
        let id = res.headers()["x-request-id"].to_str().unwrap().to_owned();
        assert!(id.len() >= 32, "{path}: {id}");
        seen.push(id);
    }
    app.create(&dental_practice()).await;
    let limited = app
        .post_json("/api/v1/assessments", &dental_practice())
        .await;
    assert_eq!(limited.status(), 429);
    assert!(limited.headers().contains_key("x-request-id"));
    seen.sort();
    seen.dedup();
    assert_eq!(seen.len(), 4, "ids are unique");

    let res = app
        .client
        .get(app.url("/healthz"))
        .header("x-request-id", "proxy-abc-123")
        .send()
        .await
        .unwrap();
    assert_eq!(res.headers()["x-request-id"], "proxy-abc-123");
}

#[tokio::test]
async fn retention_deletes_old_assessments_with_their_notes_and_tags_and_keeps_new_ones() {
    let app = TestApp::spawn().await;
    let kept = app.create(&dental_practice()).await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let old = app.create(&dental_practice()).await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let pool = db::Db::connect(&app.config.database_url, 4).await.unwrap();
    servicefit::on_pool!(&pool, pool => { sqlx::query("UPDATE assessments SET created_at = '2020-01-01T00:00:00.000Z' WHERE id = $1")
        .bind(&old)
        .execute(pool)
        .await
        .unwrap(); });
    for id in [&old, &kept] {
        servicefit::on_pool!(&pool, pool => { sqlx::query("INSERT INTO notes (assessment_id, author, body, created_at) VALUES ($1, 'ana', 'called', '2020-01-02T00:00:00Z')")
            .bind(id)
            .execute(pool)
            .await
            .unwrap(); });
        servicefit::on_pool!(&pool, pool => { sqlx::query("INSERT INTO tags (assessment_id, tag) VALUES ($1, 'dental')")
            .bind(id)
            .execute(pool)
            .await
            .unwrap(); });
    }

    assert_eq!(servicefit::retention::purge(&pool, 30).await.unwrap(), 1);

    assert_eq!(
        app.get(&format!("/api/v1/assessments/{old}"))
            .await
            .status(),
        404
    );
    assert_eq!(
        app.get(&format!("/api/v1/assessments/{kept}"))
            .await
            .status(),
        200
    );
    for table in ["notes", "tags"] {
        let left: Vec<String> = servicefit::on_pool!(&pool, pool => sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
            "SELECT assessment_id FROM {table}"
        )))
        .fetch_all(pool)
        .await
        .unwrap());
        assert_eq!(left, vec![kept.clone()], "{table}");
    }
    assert_eq!(servicefit::retention::purge(&pool, 30).await.unwrap(), 0);
}

#[test]
fn retention_days_must_be_at_least_one() {
    use clap::Parser;
    use servicefit::config::Cli;
    assert!(Cli::try_parse_from(["servicefit", "--retention-days", "0"]).is_err());
    let cli = Cli::try_parse_from(["servicefit", "--retention-days", "90"]).unwrap();
    assert_eq!(cli.config.retention_days, Some(90));
}
