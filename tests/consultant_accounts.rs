//! Consultant accounts and their sessions: the command line, password storage, signing out,
//! expiry and removal.

mod common;

use std::io::Write;
use std::process::{Command, Stdio};
use std::time::Duration;

use common::consultant::Consultant;
use common::{CONSULTANT_EMAIL as EMAIL, CONSULTANT_PASSWORD as PASSWORD, TestApp, session_cookie};

fn consultant_cli(db: &str, args: &[&str], stdin: &str) -> std::process::Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_servicefit"))
        .args(["--database-url", db, "consultant"])
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(stdin.as_bytes())
        .unwrap();
    child.wait_with_output().unwrap()
}

#[test]
fn accounts_are_managed_from_the_command_line_with_the_password_on_stdin() {
    let dir = tempfile::tempdir().unwrap();
    let db = format!("sqlite://{}", dir.path().join("cli.db").display());
    let out = consultant_cli(&db, &["add", "Ana@MSP.example"], "short\n");
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("at least 12"));

    assert!(
        consultant_cli(&db, &["add", "Ana@MSP.example"], "correct horse battery\n")
            .status
            .success()
    );
    let dup = consultant_cli(&db, &["add", "ana@msp.example"], "another long password\n");
    assert!(
        !dup.status.success(),
        "the same email twice must be refused"
    );

    let list = consultant_cli(&db, &["list"], "");
    let listed = String::from_utf8_lossy(&list.stdout);
    assert!(listed.contains("ana@msp.example"));
    assert!(!listed.contains("argon2"), "hashes must not be listed");

    assert!(
        consultant_cli(
            &db,
            &["set-password", "ana@msp.example"],
            "an even longer password\n"
        )
        .status
        .success()
    );
    assert!(
        consultant_cli(&db, &["remove", "ana@msp.example"], "")
            .status
            .success()
    );
    assert!(
        !consultant_cli(&db, &["remove", "ana@msp.example"], "")
            .status
            .success()
    );
}

#[tokio::test]
async fn passwords_are_stored_only_as_argon2id_hashes() {
    let app = TestApp::spawn().await;
    app.consultant_cookie().await;
    let pool = app.db().await;
    let (hash,): (String,) = servicefit::on_pool!(&pool, pool => sqlx::query_as("SELECT password_hash FROM consultants")
        .fetch_one(pool)
        .await
        .unwrap());
    assert!(hash.starts_with("$argon2id$"));
    assert!(!hash.contains(PASSWORD));
}

#[tokio::test]
async fn signing_out_ends_the_session() {
    let app = TestApp::spawn().await;
    let b = Consultant::sign_in(&app).await;
    let res = b.post(&app, "/consultant/logout", &[]).await;
    assert_eq!(res.status(), 303);
    assert_eq!(b.get(&app, "/consultant").await.status(), 303);
}

#[tokio::test]
async fn a_session_expires_after_its_maximum_age() {
    let app = TestApp::spawn_with(|c| c.session_max_seconds = 3600).await;
    let b = Consultant::sign_in(&app).await;
    app.clock.advance(Duration::from_secs(3599));
    assert_eq!(b.get(&app, "/consultant").await.status(), 200);
    app.clock.advance(Duration::from_secs(1));
    assert_eq!(b.get(&app, "/consultant").await.status(), 303);
    assert_eq!(b.get(&app, "/consultant/export.csv").await.status(), 401);
}

#[tokio::test]
async fn setting_a_new_password_from_the_command_line_ends_the_old_sessions() {
    let app = TestApp::spawn().await;
    let b = Consultant::sign_in(&app).await;
    let out = consultant_cli(
        &app.config.database_url,
        &["set-password", EMAIL],
        "a brand new passphrase\n",
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(b.get(&app, "/consultant").await.status(), 303);
    assert_eq!(b.get(&app, "/consultant/export.csv").await.status(), 401);
    assert_eq!(app.sign_in(EMAIL, PASSWORD).await.status(), 401);
    let res = app.sign_in(EMAIL, "a brand new passphrase").await;
    assert_eq!(res.status(), 303);
    let cookie = session_cookie(&res).expect("a new session");
    let page = app.get_with_cookie("/consultant", &cookie).await;
    assert_eq!(page.status(), 200, "sessions of the new password work");
}

#[tokio::test]
async fn a_removed_account_loses_its_session_at_once() {
    let app = TestApp::spawn().await;
    let b = Consultant::sign_in(&app).await;
    let pool = app.db().await;
    assert!(
        servicefit::db::consultants::delete_consultant(&pool, EMAIL)
            .await
            .unwrap()
    );
    assert_eq!(b.get(&app, "/consultant").await.status(), 303);
}
