//! A real full disk: the binary's database on a 3 MB tmpfs, filled up, then given space back.

mod common;

use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::binary::{Server, assert_readable, client, id_of, post};

/// A small tmpfs mounted for one test, unmounted when dropped.
struct SmallFilesystem {
    dir: tempfile::TempDir,
}

impl SmallFilesystem {
    /// `None` where this machine does not let the test mount one (not root, no `mount`).
    fn mount(size: &str) -> Option<SmallFilesystem> {
        let dir = tempfile::tempdir().ok()?;
        let mounted = Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={size}"), "tmpfs"])
            .arg(dir.path())
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success());
        mounted.then_some(SmallFilesystem { dir })
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }
}

impl Drop for SmallFilesystem {
    fn drop(&mut self) {
        let _ = Command::new("umount")
            .arg("-l")
            .arg(self.dir.path())
            .status();
    }
}

#[tokio::test]
async fn a_full_disk_refuses_with_503_loses_nothing_acknowledged_and_recovers_when_space_returns() {
    let Some(fs) = SmallFilesystem::mount("3m") else {
        eprintln!("skipped: mounting a 3 MB tmpfs needs root and mount(8) on this machine");
        return;
    };
    // A file the "operator" deletes later to give the space back.
    let ballast = fs.path("ballast");
    std::fs::write(&ballast, vec![0u8; 1024 * 1024]).unwrap();
    let db = fs.path("full.db");
    let mut server = Server::start(&db);
    let client = client();
    let ready = |server: &Server| {
        let (client, url) = (client.clone(), server.url("/readyz"));
        async move { client.get(url).send().await.unwrap().status().as_u16() }
    };
    assert_eq!(ready(&server).await, 200);

    // Four clients at a time until the disk is full, then forty refusals more.
    let mut acked = Vec::new();
    let (mut refused, mut next) = (0, 0);
    while refused < 40 {
        assert!(next < 4_000, "3 MB never filled up");
        let wave: Vec<_> = (next..next + 4)
            .map(|i| post(&client, &server.base, i))
            .collect();
        next += 4;
        for answer in futures_util::future::join_all(wave).await {
            match answer.expect("every submission is answered") {
                (201, _, body) => acked.push((id_of(&body), body)),
                (503, retry, body) => {
                    assert!(retry.is_some(), "503 without Retry-After");
                    assert!(body.contains("Nothing was saved"), "{body}");
                    refused += 1;
                }
                (status, _, body) => panic!("a full disk answered {status}: {body}"),
            }
        }
    }
    assert!(acked.len() >= 5, "only {} fitted", acked.len());
    assert_eq!(
        ready(&server).await,
        503,
        "not ready while the disk is full"
    );
    assert_readable(&server, &acked, "the disk filled up").await;

    std::fs::remove_file(&ballast).unwrap();
    // A probe's answer is reused for a second, as a load balancer polling would see it.
    let deadline = Instant::now() + Duration::from_secs(5);
    while ready(&server).await != 200 {
        assert!(
            Instant::now() < deadline,
            "not ready 5 s after space came back"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    for i in 0..5 {
        let (status, _, body) = post(&client, &server.base, 100_000 + i).await.unwrap();
        assert_eq!(status, 201, "{body}");
        acked.push((id_of(&body), body));
    }
    assert_readable(&server, &acked, "space came back").await;

    let status = Command::new("kill")
        .args(["-TERM", &server.pid()])
        .status()
        .expect("kill");
    assert!(status.success());
    assert_eq!(server.wait_exit(Duration::from_secs(15)).code(), Some(0));
    let server = Server::start(&db);
    assert_readable(&server, &acked, "a restart").await;
    let pool = sqlx::SqlitePool::connect(&format!("sqlite://{}?mode=ro", db.display()))
        .await
        .unwrap();
    let stored: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM assessments")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(
        stored as usize,
        acked.len(),
        "nothing answered 503 was stored"
    );
    eprintln!(
        "{} acknowledged and {refused} refused on a full 3 MB disk; all readable after a restart",
        acked.len()
    );
}

#[tokio::test]
async fn deleting_on_a_full_disk_answers_503_deletes_nothing_and_succeeds_when_space_returns() {
    let Some(fs) = SmallFilesystem::mount("3m") else {
        eprintln!("skipped: mounting a 3 MB tmpfs needs root and mount(8) on this machine");
        return;
    };
    let ballast = fs.path("ballast");
    std::fs::write(&ballast, vec![0u8; 1024 * 1024]).unwrap();
    let server = Server::start(&fs.path("full.db"));
    let client = client();
    let (status, _, created) = post(&client, &server.base, 0).await.unwrap();
    assert_eq!(status, 201, "{created}");
    let id = id_of(&created);
    let token = serde_json::from_str::<serde_json::Value>(&created).unwrap()["delete_url"]
        .as_str()
        .expect("delete_url")
        .split_once("token=")
        .expect("a token")
        .1
        .to_owned();
    let mut next = 1;
    while post(&client, &server.base, next).await.unwrap().0 == 201 {
        next += 1;
        assert!(next < 4_000, "3 MB never filled up");
    }

    // The confirmation form's POST, without following the redirect it answers with.
    let no_redirect = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let delete = || {
        no_redirect
            .post(server.url(&format!("/assessments/{id}/delete")))
            .header("content-type", "application/x-www-form-urlencoded")
            .header("accept", "text/html")
            .body(format!("token={token}"))
            .send()
    };
    let status_of = |path: String| {
        let (client, url) = (no_redirect.clone(), server.url(&path));
        async move { client.get(url).send().await.unwrap().status().as_u16() }
    };
    let res = delete().await.unwrap();
    assert_eq!(res.status(), 503);
    assert!(
        res.headers().contains_key("retry-after"),
        "503 without Retry-After"
    );
    assert!(
        res.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/html")
    );
    let page = res.text().await.unwrap();
    assert!(page.contains("Nothing was deleted"), "{page}");
    assert_eq!(status_of(format!("/assessments/{id}")).await, 200);
    assert_eq!(
        status_of(format!("/assessments/{id}/deleted")).await,
        404,
        "no tombstone"
    );

    std::fs::remove_file(&ballast).unwrap();
    let res = delete().await.unwrap();
    assert_eq!(
        res.status(),
        303,
        "the same form deletes once there is space"
    );
    assert_eq!(status_of(format!("/assessments/{id}")).await, 410);
}
