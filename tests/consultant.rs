//! The consultant workspace: accounts, sign-in, access control, review, notes and workflow.

mod common;

use std::io::Write;
use std::process::{Command, Stdio};

use common::{TestApp, dental_practice, tiny_studio};
use reqwest::header::{COOKIE, LOCATION, SET_COOKIE};
use serde_json::json;
use servicefit::routes::consultant::protected_routes;

const EMAIL: &str = "ana@msp.example";
const PASSWORD: &str = "correct horse battery";

async fn add_consultant(app: &TestApp, email: &str, password: &str) {
    let pool = servicefit::db::connect(&format!("sqlite://{}", app.db_path.display()))
        .await
        .unwrap();
    let hash = servicefit::auth::hash_password(password).unwrap();
    assert!(
        servicefit::db::consultants::insert_consultant(&pool, email, &hash, "2026-11-21T00:00:00Z")
            .await
            .unwrap()
    );
}

fn session_cookie(res: &reqwest::Response) -> Option<String> {
    res.headers()
        .get_all(SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|v| v.starts_with("servicefit_session="))
        .map(|v| v.split(';').next().unwrap_or_default().to_owned())
}

fn hidden(html: &str, name: &str) -> String {
    let marker = format!("name=\"{name}\" value=\"");
    let start = html
        .find(&marker)
        .unwrap_or_else(|| panic!("no hidden {name}"))
        + marker.len();
    html[start..start + html[start..].find('"').unwrap()].to_owned()
}

/// A browser's view of a session: its cookie and the page's CSRF token.
struct Browser {
    cookie: String,
    csrf: String,
}

impl Browser {
    async fn open_login(app: &TestApp) -> Browser {
        let res = app.get("/consultant/login").await;
        assert_eq!(res.status(), 200);
        let cookie = session_cookie(&res).expect("login page starts a session");
        let html = res.text().await.unwrap();
        Browser {
            cookie,
            csrf: hidden(&html, "csrf"),
        }
    }

    async fn try_sign_in(
        &mut self,
        app: &TestApp,
        email: &str,
        password: &str,
        next: &str,
    ) -> reqwest::Response {
        let body = serde_urlencoded::to_string([
            ("email", email),
            ("password", password),
            ("csrf", &self.csrf),
            ("next", next),
        ])
        .unwrap();
        let res = app
            .client
            .post(app.url("/consultant/login"))
            .header(COOKIE, &self.cookie)
            .header("content-type", "application/x-www-form-urlencoded")
            .body(body)
            .send()
            .await
            .unwrap();
        if let Some(c) = session_cookie(&res) {
            self.cookie = c;
        }
        res
    }

    async fn signed_in(app: &TestApp) -> Browser {
        let mut b = Browser::open_login(app).await;
        let res = b.try_sign_in(app, EMAIL, PASSWORD, "").await;
        assert_eq!(res.status(), 303, "sign-in failed");
        let page = b.get(app, "/consultant").await;
        assert_eq!(page.status(), 200);
        b.csrf = hidden(&page.text().await.unwrap(), "csrf");
        b
    }

    async fn get(&self, app: &TestApp, path: &str) -> reqwest::Response {
        app.client
            .get(app.url(path))
            .header(COOKIE, &self.cookie)
            .send()
            .await
            .unwrap()
    }

    async fn post(&self, app: &TestApp, path: &str, pairs: &[(&str, &str)]) -> reqwest::Response {
        let mut all: Vec<(&str, &str)> = pairs.to_vec();
        all.push(("csrf", &self.csrf));
        app.client
            .post(app.url(path))
            .header(COOKIE, &self.cookie)
            .header("content-type", "application/x-www-form-urlencoded")
            .body(serde_urlencoded::to_string(all).unwrap())
            .send()
            .await
            .unwrap()
    }
}

async fn app_with_consultant() -> TestApp {
    let app = TestApp::spawn().await;
    add_consultant(&app, EMAIL, PASSWORD).await;
    app
}

fn consultant_cli(db: &std::path::Path, args: &[&str], stdin: &str) -> std::process::Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_servicefit"))
        .args([
            "--database-url",
            &format!("sqlite://{}", db.display()),
            "consultant",
        ])
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
    let db = dir.path().join("cli.db");
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
    let app = app_with_consultant().await;
    let pool = servicefit::db::connect(&format!("sqlite://{}", app.db_path.display()))
        .await
        .unwrap();
    let (hash,): (String,) = sqlx::query_as("SELECT password_hash FROM consultants")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert!(hash.starts_with("$argon2id$"));
    assert!(!hash.contains(PASSWORD));
}

#[tokio::test]
async fn every_consultant_route_refuses_an_anonymous_request() {
    let app = app_with_consultant().await;
    let id = app.create(&dental_practice()).await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let routes = protected_routes();
    assert!(routes.len() >= 10);
    for (path, _) in routes {
        let path = path.replace("{id}", &id);
        for method in ["GET", "POST"] {
            let res = app
                .client
                .request(method.parse().unwrap(), app.url(&path))
                .header("content-type", "application/x-www-form-urlencoded")
                .body("status=won&body=x&tags=x")
                .send()
                .await
                .unwrap();
            let status = res.status().as_u16();
            if status == 405 {
                continue;
            }
            if path.ends_with(".csv") || path.ends_with(".json") {
                assert_eq!(status, 401, "{method} {path}");
            } else {
                assert_eq!(status, 303, "{method} {path} answered {status}");
                assert!(
                    res.headers()[LOCATION]
                        .to_str()
                        .unwrap()
                        .starts_with("/consultant/login?next=")
                );
            }
        }
    }
    // Nothing changed.
    let pool = servicefit::db::connect(&format!("sqlite://{}", app.db_path.display()))
        .await
        .unwrap();
    let (notes,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM notes")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(notes, 0);
}

#[tokio::test]
async fn signing_in_gives_a_new_session_and_goes_back_where_you_were() {
    let app = app_with_consultant().await;
    let anonymous = app.get("/consultant?status=new").await;
    assert_eq!(
        anonymous.headers()[LOCATION],
        "/consultant/login?next=%2Fconsultant%3Fstatus%3Dnew"
    );
    let mut b = Browser::open_login(&app).await;
    let before = b.cookie.clone();
    let res = b
        .try_sign_in(&app, EMAIL, PASSWORD, "/consultant?status=new")
        .await;
    assert_eq!(res.status(), 303);
    assert_eq!(res.headers()[LOCATION], "/consultant?status=new");
    let set_cookie = res.headers()[SET_COOKIE].to_str().unwrap().to_owned();
    assert!(set_cookie.contains("HttpOnly"));
    assert!(set_cookie.contains("SameSite=Lax"));
    assert_ne!(b.cookie, before, "the session id must change at sign-in");
    assert_eq!(b.get(&app, "/consultant").await.status(), 200);
}

#[tokio::test]
async fn sign_in_never_follows_a_link_off_site() {
    let app = app_with_consultant().await;
    let mut b = Browser::open_login(&app).await;
    let res = b
        .try_sign_in(&app, EMAIL, PASSWORD, "https://evil.example/")
        .await;
    assert_eq!(res.headers()[LOCATION], "/consultant");
}

#[tokio::test]
async fn a_wrong_password_and_an_unknown_email_look_the_same() {
    let app = app_with_consultant().await;
    let mut b = Browser::open_login(&app).await;
    let wrong = b.try_sign_in(&app, EMAIL, "not the password!", "").await;
    assert_eq!(wrong.status(), 401);
    let wrong_text = wrong.text().await.unwrap();
    let mut b = Browser::open_login(&app).await;
    let unknown = b
        .try_sign_in(&app, "nobody@msp.example", "not the password!", "")
        .await;
    assert_eq!(unknown.status(), 401);
    let unknown_text = unknown.text().await.unwrap();
    assert!(wrong_text.contains("do not match an account"));
    assert!(unknown_text.contains("do not match an account"));
    assert!(
        wrong_text.contains(&format!("value=\"{EMAIL}\"")),
        "the email is kept"
    );
}

#[tokio::test]
async fn repeated_failures_are_throttled_per_account_with_retry_after() {
    let app = app_with_consultant().await;
    let mut b = Browser::open_login(&app).await;
    for _ in 0..5 {
        assert_eq!(
            b.try_sign_in(&app, EMAIL, "wrong password 123", "")
                .await
                .status(),
            401
        );
    }
    let blocked = b.try_sign_in(&app, EMAIL, PASSWORD, "").await;
    assert_eq!(
        blocked.status(),
        429,
        "even the right password waits once the account is throttled"
    );
    let retry: i64 = blocked.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!(retry > 0 && retry <= 15 * 60);
    // An unknown account is throttled the same way, so throttling reveals nothing.
    for _ in 0..5 {
        b.try_sign_in(&app, "ghost@msp.example", "wrong password 123", "")
            .await;
    }
    assert_eq!(
        b.try_sign_in(&app, "ghost@msp.example", "wrong password 123", "")
            .await
            .status(),
        429
    );
}

#[tokio::test]
async fn repeated_failures_from_one_address_are_throttled_across_accounts() {
    let app = app_with_consultant().await;
    let mut b = Browser::open_login(&app).await;
    for i in 0..20 {
        b.try_sign_in(
            &app,
            &format!("user{i}@msp.example"),
            "wrong password 123",
            "",
        )
        .await;
    }
    assert_eq!(b.try_sign_in(&app, EMAIL, PASSWORD, "").await.status(), 429);
}

#[tokio::test]
async fn a_login_form_without_its_token_is_refused() {
    let app = app_with_consultant().await;
    let mut b = Browser::open_login(&app).await;
    b.csrf = "forged".into();
    assert_eq!(b.try_sign_in(&app, EMAIL, PASSWORD, "").await.status(), 403);
}

#[tokio::test]
async fn cross_site_posts_do_nothing() {
    let app = app_with_consultant().await;
    let id = app.create(&dental_practice()).await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let b = Browser::signed_in(&app).await;
    let path = format!("/consultant/assessments/{id}/notes");
    let body =
        serde_urlencoded::to_string([("body", "from evil"), ("csrf", b.csrf.as_str())]).unwrap();
    for (header, value) in [
        ("origin", "https://evil.example"),
        ("sec-fetch-site", "cross-site"),
        ("origin", "null"),
    ] {
        let res = app
            .client
            .post(app.url(&path))
            .header(COOKIE, &b.cookie)
            .header(header, value)
            .header("content-type", "application/x-www-form-urlencoded")
            .body(body.clone())
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 403, "{header}: {value}");
    }
    // Without the token, even a same-site post is refused.
    let res = app
        .client
        .post(app.url(&path))
        .header(COOKIE, &b.cookie)
        .header("content-type", "application/x-www-form-urlencoded")
        .body("body=no+token")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 403);
    let page = b
        .get(&app, &format!("/consultant/assessments/{id}"))
        .await
        .text()
        .await
        .unwrap();
    assert!(!page.contains("from evil") && !page.contains("no token"));
}

#[tokio::test]
async fn signing_out_ends_the_session() {
    let app = app_with_consultant().await;
    let b = Browser::signed_in(&app).await;
    let res = b.post(&app, "/consultant/logout", &[]).await;
    assert_eq!(res.status(), 303);
    assert_eq!(b.get(&app, "/consultant").await.status(), 303);
}

#[tokio::test]
async fn a_session_expires_after_its_maximum_age() {
    let app = TestApp::spawn_with(|c| c.session_max_seconds = 1).await;
    add_consultant(&app, EMAIL, PASSWORD).await;
    let b = Browser::signed_in(&app).await;
    tokio::time::sleep(std::time::Duration::from_millis(2100)).await;
    assert_eq!(b.get(&app, "/consultant").await.status(), 303);
    assert_eq!(b.get(&app, "/consultant/export.csv").await.status(), 401);
}

#[tokio::test]
async fn a_removed_account_loses_its_session_at_once() {
    let app = app_with_consultant().await;
    let b = Browser::signed_in(&app).await;
    let pool = servicefit::db::connect(&format!("sqlite://{}", app.db_path.display()))
        .await
        .unwrap();
    assert!(
        servicefit::db::consultants::delete_consultant(&pool, EMAIL)
            .await
            .unwrap()
    );
    assert_eq!(b.get(&app, "/consultant").await.status(), 303);
}

#[tokio::test]
async fn the_list_is_newest_first_and_filters_by_verdict_text_and_date() {
    let app = app_with_consultant().await;
    app.create(&tiny_studio()).await;
    app.create(&dental_practice()).await;
    let b = Browser::signed_in(&app).await;
    let html = b.get(&app, "/consultant").await.text().await.unwrap();
    let dental = html.find("Harbour Dental").unwrap();
    let studio = html.find("Two Pines Studio").unwrap();
    assert!(dental < studio, "newest first");

    let managed = b
        .get(&app, "/consultant?recommendation=managed")
        .await
        .text()
        .await
        .unwrap();
    assert!(managed.contains("Harbour Dental") && !managed.contains("Two Pines Studio"));
    let text = b
        .get(&app, "/consultant?q=pines")
        .await
        .text()
        .await
        .unwrap();
    assert!(text.contains("Two Pines Studio") && !text.contains("Harbour Dental"));
    let future = b
        .get(&app, "/consultant?from=2999-01-01")
        .await
        .text()
        .await
        .unwrap();
    assert!(future.contains("No assessments match"));
    let today = time::OffsetDateTime::now_utc().date().to_string();
    let both = b
        .get(&app, &format!("/consultant?from={today}&to={today}"))
        .await
        .text()
        .await
        .unwrap();
    assert!(both.contains("Harbour Dental") && both.contains("Two Pines Studio"));
    let wildcard = b.get(&app, "/consultant?q=%25").await.text().await.unwrap();
    assert!(
        wildcard.contains("No assessments match"),
        "a % is searched for literally"
    );
}

#[tokio::test]
async fn bad_filters_are_explained_and_kept() {
    let app = app_with_consultant().await;
    let b = Browser::signed_in(&app).await;
    let res = b.get(&app, "/consultant?from=last+week&q=%3Cb%3E").await;
    assert_eq!(res.status(), 400);
    let html = res.text().await.unwrap();
    assert!(html.contains("YYYY-MM-DD"));
    assert!(html.contains("value=\"last week\""));
    assert!(html.contains("value=\"&#60;b&#62;\""));
}

#[tokio::test]
async fn paging_walks_every_assessment_once_and_keeps_the_filters() {
    let app = app_with_consultant().await;
    for i in 0..60 {
        let mut a = if i % 2 == 0 {
            dental_practice()
        } else {
            tiny_studio()
        };
        a["company"] = json!(format!("Firm {i:03}"));
        app.create(&a).await;
    }
    let b = Browser::signed_in(&app).await;
    for sort in ["newest", "score_desc", "score_asc", "oldest"] {
        let mut seen = Vec::new();
        let mut path = format!("/consultant?sort={sort}");
        let mut pages = 0;
        loop {
            let html = b.get(&app, &path).await.text().await.unwrap();
            pages += 1;
            for part in html.split("Firm ").skip(1) {
                seen.push(part[..3].to_owned());
            }
            match html.find("rel=\"next\"") {
                Some(_) => {
                    let start = html.find("<a href=\"/consultant?").unwrap();
                    let next_start = html[start..].find("Next page").map(|_| ());
                    assert!(next_start.is_some());
                    let link_at = html.rfind("\" rel=\"next\"").unwrap();
                    let href_start = html[..link_at].rfind("href=\"").unwrap() + 6;
                    path = html[href_start..link_at]
                        .replace("&amp;", "&")
                        .replace("&#38;", "&");
                    assert!(
                        path.contains(&format!("sort={sort}")),
                        "filters survive paging: {path}"
                    );
                }
                None => break,
            }
        }
        assert_eq!(pages, 2, "{sort}");
        let mut unique = seen.clone();
        unique.sort();
        unique.dedup();
        assert_eq!(unique.len(), 60, "{sort}: every assessment once");
        assert_eq!(seen.len(), 60, "{sort}: none twice");
    }
}

#[tokio::test]
async fn notes_status_and_tags_build_an_append_only_history() {
    let app = app_with_consultant().await;
    let id = app.create(&dental_practice()).await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let b = Browser::signed_in(&app).await;
    let base = format!("/consultant/assessments/{id}");
    assert_eq!(
        b.post(
            &app,
            &format!("{base}/notes"),
            &[("body", "Called the owner <b>Tuesday</b>")]
        )
        .await
        .status(),
        303
    );
    assert_eq!(
        b.post(&app, &format!("{base}/status"), &[("status", "contacted")])
            .await
            .status(),
        303
    );
    assert_eq!(
        b.post(
            &app,
            &format!("{base}/tags"),
            &[("tags", "Dental, priority, dental")]
        )
        .await
        .status(),
        303
    );
    let html = b.get(&app, &base).await.text().await.unwrap();
    assert!(html.contains("Called the owner &#60;b&#62;Tuesday&#60;/b&#62;"));
    assert!(html.contains("new → contacted"));
    assert!(html.contains(EMAIL));
    assert!(html.contains("value=\"dental, priority\""));
    assert!(
        html.contains("Managed IT services"),
        "the owner's report is shown"
    );

    let tagged = b
        .get(&app, "/consultant?tag=priority&status=contacted")
        .await
        .text()
        .await
        .unwrap();
    assert!(tagged.contains("Harbour Dental"));
    let untagged = b
        .get(&app, "/consultant?tag=other")
        .await
        .text()
        .await
        .unwrap();
    assert!(!untagged.contains("Harbour Dental"));
    let by_note = b
        .get(&app, "/consultant?q=tuesday")
        .await
        .text()
        .await
        .unwrap();
    assert!(by_note.contains("Harbour Dental"), "q searches notes too");

    let empty = b
        .post(&app, &format!("{base}/notes"), &[("body", "   ")])
        .await;
    assert_eq!(empty.status(), 422);
    let bad_status = b
        .post(&app, &format!("{base}/status"), &[("status", "sold")])
        .await;
    assert_eq!(bad_status.status(), 422);
    let bad_tag = b
        .post(&app, &format!("{base}/tags"), &[("tags", "<script>")])
        .await;
    assert_eq!(bad_tag.status(), 422);
    let unknown = b
        .post(
            &app,
            "/consultant/assessments/AAAAAAAAAAAAAAAAAAAAAA/notes",
            &[("body", "x")],
        )
        .await;
    assert_eq!(unknown.status(), 404);
}

#[tokio::test]
async fn rescoring_shows_the_difference_without_overwriting() {
    let app = app_with_consultant().await;
    let created = app.create(&dental_practice()).await;
    let id = created["id"].as_str().unwrap().to_owned();
    let b = Browser::signed_in(&app).await;
    let html = b
        .get(&app, &format!("/consultant/assessments/{id}/rescore"))
        .await
        .text()
        .await
        .unwrap();
    assert!(html.contains("The result would be the same"));

    let changed = include_str!("../rules/rules.toml").replacen(
        &format!("\"{}\"", created["rules_version"].as_str().unwrap()),
        "\"test-next\"",
        1,
    );
    let app = app
        .restart_with_rules(servicefit::rules::RuleSet::from_toml_str(&changed).unwrap())
        .await;
    let b = Browser::signed_in(&app).await;
    let html = b
        .get(&app, &format!("/consultant/assessments/{id}/rescore"))
        .await
        .text()
        .await
        .unwrap();
    assert!(html.contains("test-next"));
    let stored: serde_json::Value = app
        .get(&format!("/api/v1/assessments/{id}"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(stored, created);
}

#[tokio::test]
async fn the_webhook_log_says_when_webhooks_are_off() {
    let app = app_with_consultant().await;
    let b = Browser::signed_in(&app).await;
    let res = b.get(&app, "/consultant/webhooks").await;
    assert_eq!(res.status(), 200);
    let html = res.text().await.unwrap();
    assert!(html.contains("Webhooks are off"));
    assert!(html.contains("No delivery attempts yet"));
}
