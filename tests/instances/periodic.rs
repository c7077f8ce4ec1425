//! Periodic work (the retention sweep, other intervals) runs once across instances, and what
//! one instance deletes or purges leaves the others' caches.

use super::*;

/// A database with the schema made and one assessment created ten years ago, as a server left
/// it; its URL and the old assessment's id.
async fn database_with_an_old_assessment() -> (String, String) {
    let app = TestApp::spawn().await;
    let url = app.config.database_url.clone();
    let old = app.create(&dental_practice()).await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let db = app.db().await;
    servicefit::on_pool!(&db, pool => {
        sqlx::query("UPDATE assessments SET created_at = '2016-01-01T00:00:00Z' WHERE id = $1")
            .bind(&old)
            .execute(pool)
            .await
            .unwrap();
    });
    drop(app);
    (url, old)
}

#[tokio::test]
async fn the_retention_sweep_runs_once_when_two_instances_start_at_once() {
    if on_postgres("periodic once").is_none() {
        return;
    }
    let (url, old) = database_with_an_old_assessment().await;
    let args = ["--retention-days", "30"];
    let (a, b) = (
        Server::spawn(&url, &args, Some("servicefit=info")),
        Server::spawn(&url, &args, Some("servicefit=info")),
    );
    let (a, b) = (a.ready(), b.ready());
    let client = binary::client();
    let gone = format!("/api/v1/assessments/{old}");
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let status = client.get(b.url(&gone)).send().await.unwrap().status();
        if status == 404 || status == 410 {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "the old assessment stays: {status}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    // Both have looked by now (the first look is at start); give the slower a moment to log.
    tokio::time::sleep(Duration::from_secs(1)).await;
    let runs = |s: &Server| {
        s.log
            .lock()
            .unwrap()
            .iter()
            .filter(|l| l.contains("retention: deleted assessments"))
            .count()
    };
    assert_eq!(
        runs(&a) + runs(&b),
        1,
        "one purge between them; logs:\n{}\n---\n{}",
        a.log.lock().unwrap().join("\n"),
        b.log.lock().unwrap().join("\n")
    );
    let mut conn = PgConnection::connect(&url).await.unwrap();
    let claims: i64 =
        sqlx::query_scalar("SELECT count(*) FROM periodic_runs WHERE name = 'retention'")
            .fetch_one(&mut conn)
            .await
            .unwrap();
    assert_eq!(claims, 1);
}

#[tokio::test]
async fn run_periodic_runs_the_work_once_an_interval_however_many_instances_ask() {
    let Some(server) = on_postgres("run_periodic") else {
        return;
    };
    let url = database::fresh_postgres(&server).await;
    // Two instances' pools (the first makes the schema).
    let pools = [
        db::Db::connect(&url, 4).await.unwrap(),
        db::Db::connect(&url, 4).await.unwrap(),
    ];
    let ran = Arc::new(AtomicUsize::new(0));
    let every_ms = 60_000;
    for (round, now_ms) in [(1, 1_000_000), (1, 1_030_000), (2, 1_060_000)] {
        let mut tasks = Vec::new();
        for i in 0..8 {
            let (db, ran) = (pools[i % 2].clone(), ran.clone());
            tasks.push(tokio::spawn(async move {
                db::run_periodic(&db, "test task", now_ms, every_ms, async {
                    ran.fetch_add(1, Ordering::SeqCst);
                    tokio::time::sleep(Duration::from_millis(50)).await;
                })
                .await
                .unwrap()
            }));
        }
        for t in tasks {
            t.await.unwrap();
        }
        assert_eq!(ran.load(Ordering::SeqCst), round, "at {now_ms}");
    }
}

#[tokio::test]
async fn a_deletion_on_one_instance_is_gone_from_the_others_cache_within_seconds() {
    let Some(server) = on_postgres("deletion seen") else {
        return;
    };
    let url = database::fresh_postgres(&server).await;
    let a = Server::start(&url);
    let b = Server::start(&url);
    let client = binary::client();
    let res = client
        .post(a.url("/api/v1/assessments"))
        .header("content-type", "application/json")
        .body(dental_practice().to_string())
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 201);
    let created: serde_json::Value = res.json().await.unwrap();
    let id = created["id"].as_str().unwrap();
    let token = created["delete_url"]
        .as_str()
        .unwrap()
        .split_once("token=")
        .unwrap()
        .1
        .to_owned();
    // B renders (and so caches) the page and the JSON.
    let paths = [
        format!("/assessments/{id}"),
        format!("/api/v1/assessments/{id}"),
    ];
    for _ in 0..2 {
        for path in &paths {
            assert_eq!(client.get(b.url(path)).send().await.unwrap().status(), 200);
        }
    }

    let no_redirect = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let done = no_redirect
        .post(a.url(&format!("/assessments/{id}/delete")))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(format!("token={token}"))
        .send()
        .await
        .unwrap();
    assert_eq!(done.status(), 303);
    let deleted_at = Instant::now();
    for path in &paths {
        assert_eq!(client.get(a.url(path)).send().await.unwrap().status(), 410);
    }
    // B forgets its cached copy at its next look at the deletions (every 2 s).
    let limit = servicefit::erasure::WATCH_EVERY * 2 + Duration::from_secs(2);
    for path in &paths {
        loop {
            let status = client.get(b.url(path)).send().await.unwrap().status();
            if status == 410 {
                break;
            }
            assert_eq!(status, 200);
            assert!(
                deleted_at.elapsed() < limit,
                "B still serves {path} {:?} after the deletion",
                deleted_at.elapsed()
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
    eprintln!("B answered 410 after {:?}", deleted_at.elapsed());
}

#[tokio::test]
async fn a_retention_purge_on_one_instance_empties_the_others_cache() {
    let Some(_) = on_postgres("purge seen") else {
        return;
    };
    let (url, old) = database_with_an_old_assessment().await;
    // A, without retention, serves (and caches) the old assessment.
    let a = Server::start(&url);
    let client = binary::client();
    let paths = [
        format!("/assessments/{old}"),
        format!("/api/v1/assessments/{old}"),
    ];
    for path in &paths {
        for _ in 0..2 {
            assert_eq!(client.get(a.url(path)).send().await.unwrap().status(), 200);
        }
    }
    // B starts with a retention of 30 days and purges it at once.
    let _b = Server::start_with(&url, &["--retention-days", "30"]);
    let started = Instant::now();
    let limit = servicefit::erasure::WATCH_EVERY * 2 + Duration::from_secs(3);
    for path in &paths {
        loop {
            let status = client.get(a.url(path)).send().await.unwrap().status();
            if status == 404 || status == 410 {
                break;
            }
            assert_eq!(status, 200);
            assert!(
                started.elapsed() < limit,
                "A still serves {path} {:?} after B's purge",
                started.elapsed()
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
}
