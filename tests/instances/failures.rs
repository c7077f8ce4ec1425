//! Failures across instances: one killed under load, PostgreSQL itself crashing under load and
//! coming back, a database that cannot take writes, two instances migrating an empty database
//! at once.

use super::*;

#[tokio::test]
async fn sigkill_of_one_instance_under_load_loses_nothing_and_the_other_keeps_serving() {
    let Some(server) = on_postgres("sigkill") else {
        return;
    };
    let url = database::fresh_postgres(&server).await;
    let mut a = Server::start(&url);
    let b = Server::start(&url);
    const TASKS: usize = 4;
    const PER_TASK: usize = 60;
    let (acked_a, acked_b) = (
        Arc::new(Mutex::new(Vec::new())),
        Arc::new(Mutex::new(Vec::new())),
    );
    let writers_a = tokio::spawn(write_concurrently(
        a.base.clone(),
        TASKS,
        PER_TASK,
        acked_a.clone(),
    ));
    let writers_b = tokio::spawn(write_concurrently(
        b.base.clone(),
        TASKS,
        PER_TASK,
        acked_b.clone(),
    ));
    let deadline = Instant::now() + Duration::from_secs(60);
    while acked_a.lock().unwrap().len() < 40 {
        assert!(Instant::now() < deadline, "writes too slow");
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    a.child.kill().expect("SIGKILL");
    let b_at_kill = acked_b.lock().unwrap().len();
    a.wait_exit(Duration::from_secs(10));
    writers_a.await.unwrap();
    writers_b.await.unwrap();
    let acked_a = acked_a.lock().unwrap().clone();
    let acked_b = acked_b.lock().unwrap().clone();
    assert!(
        acked_a.len() < TASKS * PER_TASK,
        "the kill came after every write to A; nothing was tested"
    );
    assert_eq!(
        acked_b.len(),
        TASKS * PER_TASK,
        "every post to B succeeded, before and after the kill"
    );
    assert!(
        b_at_kill < TASKS * PER_TASK,
        "B's load went on after the kill"
    );
    let client = binary::client();
    assert_eq!(
        client.get(b.url("/readyz")).send().await.unwrap().status(),
        200
    );
    let all: Vec<_> = acked_a.iter().chain(&acked_b).cloned().collect();
    assert_readable(&b, &all, "SIGKILL of the other instance").await;
    eprintln!(
        "{} acknowledged by A before SIGKILL, {} by B ({} after the kill): all readable from B",
        acked_a.len(),
        acked_b.len(),
        acked_b.len() - b_at_kill
    );
}

/// Switches the database `url` names read-only (`on`) or back, and ends its sessions so the
/// app's pools reconnect under the new default, as a failover to a read-only standby does.
async fn set_read_only(server: &str, url: &str, on: bool) {
    let name = url
        .rsplit('/')
        .next()
        .unwrap()
        .split('?')
        .next()
        .unwrap()
        .to_owned();
    let mut admin = PgConnection::connect(server).await.unwrap();
    let sql = if on {
        format!("ALTER DATABASE {name} SET default_transaction_read_only = on")
    } else {
        format!("ALTER DATABASE {name} RESET default_transaction_read_only")
    };
    sqlx::raw_sql(sqlx::AssertSqlSafe(sql))
        .execute(&mut admin)
        .await
        .unwrap();
    sqlx::query("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()")
        .bind(&name)
        .execute(&mut admin)
        .await
        .unwrap();
}

#[tokio::test]
async fn readyz_is_503_while_postgresql_cannot_take_writes() {
    let Some(server) = on_postgres("readyz") else {
        return;
    };
    let app = TestApp::spawn().await;
    assert_eq!(app.get("/readyz").await.status(), 200);
    let url = app.config.database_url.clone();

    set_read_only(&server, &url, true).await;
    // A dropped connection may cost one answer; after that, every check finds it read-only.
    let deadline = Instant::now() + Duration::from_secs(10);
    let mut refused = 0;
    while refused < 3 {
        let res = app.get("/readyz").await;
        if res.status() == 503 {
            refused += 1;
        } else {
            refused = 0;
        }
        assert!(Instant::now() < deadline, "readyz stays {}", res.status());
        tokio::time::sleep(Duration::from_millis(1100)).await;
    }
    let res = app.get("/readyz").await;
    assert_eq!(res.status(), 503);
    assert_eq!(res.text().await.unwrap(), "database cannot take writes");
    // Reads still work; a submission is refused, not acknowledged.
    assert_eq!(app.get("/healthz").await.status(), 200);
    let post = app
        .post_json("/api/v1/assessments", &dental_practice())
        .await;
    assert_eq!(post.status(), 503, "{}", post.text().await.unwrap());

    set_read_only(&server, &url, false).await;
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let status = app.get("/readyz").await.status();
        if status == 200 {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "readyz stays {status} after writes are back"
        );
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    app.create(&dental_practice()).await;
}

#[tokio::test]
async fn two_instances_starting_at_once_on_an_empty_database_migrate_it_once() {
    let Some(server) = on_postgres("migrations at once") else {
        return;
    };
    let url = database::fresh_postgres(&server).await;
    let starting: Vec<_> = (0..3).map(|_| Server::spawn(&url, &[], None)).collect();
    let servers: Vec<Server> = starting.into_iter().map(|s| s.ready()).collect();
    let client = binary::client();
    for s in &servers {
        assert_eq!(
            client.get(s.url("/readyz")).send().await.unwrap().status(),
            200
        );
    }
    let mut conn = PgConnection::connect(&url).await.unwrap();
    let (rows, versions): (i64, i64) = sqlx::query_as(
        "SELECT count(*), count(DISTINCT version) FROM _sqlx_migrations WHERE success",
    )
    .fetch_one(&mut conn)
    .await
    .unwrap();
    assert_eq!(rows, versions, "each migration recorded once");
    let files = std::fs::read_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/migrations/postgres"))
        .unwrap()
        .filter(|e| {
            e.as_ref()
                .unwrap()
                .path()
                .extension()
                .is_some_and(|x| x == "sql")
        })
        .count();
    assert_eq!(
        usize::try_from(versions).unwrap(),
        files,
        "every migration applied"
    );
}

/// Polls `/readyz` on `server` until it answers `want`.
async fn readyz_becomes(server: &Server, want: u16, within: Duration) {
    let client = binary::client();
    let deadline = Instant::now() + within;
    loop {
        let status = client
            .get(server.url("/readyz"))
            .send()
            .await
            .unwrap()
            .status()
            .as_u16();
        if status == want {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "readyz stays {status}, not {want}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test]
async fn a_postgresql_crash_under_load_loses_nothing_acknowledged_and_the_server_recovers() {
    const TEST: &str = "postgresql crash";
    if on_postgres(TEST).is_none() {
        return;
    }
    // A server of its own: the others' tests go on on theirs.
    let Some(cluster) = database::OwnCluster::start(TEST) else {
        return;
    };
    let a = Server::start(&cluster.url);
    let acked = Arc::new(Mutex::new(Vec::new()));
    // Each writer posts until a post fails, so it stops at the crash.
    let writers = tokio::spawn(write_concurrently(a.base.clone(), 4, 500, acked.clone()));
    let deadline = Instant::now() + Duration::from_secs(60);
    while acked.lock().unwrap().len() < 40 {
        assert!(Instant::now() < deadline, "writes too slow");
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    cluster.crash();
    writers.await.unwrap();
    let acked = acked.lock().unwrap().clone();
    assert!(acked.len() < 4 * 500, "the crash came after every write");

    // While PostgreSQL is down: not ready, and a submission is refused with a time to retry.
    readyz_becomes(&a, 503, Duration::from_secs(10)).await;
    let client = binary::client();
    let (status, retry, body) = binary::post(&client, &a.base, 9_999).await.unwrap();
    assert_eq!(status, 503, "{body}");
    assert!(retry.is_some(), "503 without Retry-After");
    assert!(body.to_lowercase().contains("try again"), "{body}");

    // Back: the same process serves again, without a restart of its own.
    cluster.restart();
    readyz_becomes(&a, 200, Duration::from_secs(30)).await;
    let (status, _, body) = binary::post(&client, &a.base, 10_000).await.unwrap();
    assert_eq!(status, 201, "{body}");

    // Every acknowledged assessment survived the crash: read by a new process, whose cache
    // is empty, so each comes from the database.
    let b = Server::start(&cluster.url);
    assert_readable(&b, &acked, "a PostgreSQL crash").await;
    eprintln!(
        "{} acknowledged before the crash, all readable after PostgreSQL's recovery",
        acked.len()
    );
}
