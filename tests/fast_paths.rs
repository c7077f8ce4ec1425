//! The fast paths change nothing a client can see: results served from memory (plain or
//! gzipped) are the bytes a fresh render gives, with the same headers, and submissions
//! committed together are each stored and readable the moment they are acknowledged.

mod common;

use std::io::Read;

use askama::Template;
use common::{PUBLIC_URL, TestApp, as_form, dental_practice, tiny_studio};
use servicefit::assessment::Assessment;
use servicefit::routes::results::ResultsPage;

async fn get_with(app: &TestApp, path: &str, accept_encoding: Option<&str>) -> reqwest::Response {
    let mut req = app.client.get(app.url(path));
    if let Some(value) = accept_encoding {
        req = req.header("accept-encoding", value);
    }
    req.send().await.expect("request")
}

fn gunzip(bytes: &[u8]) -> Vec<u8> {
    let mut plain = Vec::new();
    flate2::read::GzDecoder::new(bytes)
        .read_to_end(&mut plain)
        .expect("valid gzip");
    plain
}

fn header<'a>(res: &'a reqwest::Response, name: &str) -> &'a str {
    res.headers()
        .get(name)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
}

#[tokio::test]
async fn a_results_page_from_memory_is_the_same_bytes_as_a_fresh_render() {
    let app = TestApp::spawn().await;
    let created = app.create(&dental_practice()).await;
    let id = created["id"].as_str().unwrap();
    let assessment: Assessment = serde_json::from_value(created.clone()).unwrap();
    let fresh = ResultsPage::new(&assessment, servicefit::views::Chrome::product())
        .unwrap()
        .with_embed(PUBLIC_URL)
        .unwrap()
        .render()
        .unwrap();

    let path = format!("/assessments/{id}");
    let first = get_with(&app, &path, None).await.bytes().await.unwrap();
    let second = get_with(&app, &path, None).await.bytes().await.unwrap();
    assert_eq!(first, fresh.as_bytes());
    assert_eq!(second, fresh.as_bytes());

    // A restarted server starts with nothing in memory and renders the same page again.
    let app = app.restart().await;
    let after_restart = get_with(&app, &path, None).await.bytes().await.unwrap();
    assert_eq!(after_restart, fresh.as_bytes());
}

#[tokio::test]
async fn a_gzipped_results_page_keeps_every_header_and_unzips_to_the_plain_page() {
    let app = TestApp::spawn().await;
    let id = app.create(&tiny_studio()).await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let path = format!("/assessments/{id}");
    let plain = get_with(&app, &path, None).await;
    assert_eq!(plain.status(), 200);
    assert_eq!(header(&plain, "content-encoding"), "");
    assert!(header(&plain, "vary").contains("accept-encoding"));
    let plain_body = plain.bytes().await.unwrap();

    for accept in ["gzip", "gzip, deflate, br, zstd", "br;q=1.0, gzip;q=0.5"] {
        let zipped = get_with(&app, &path, Some(accept)).await;
        assert_eq!(zipped.status(), 200, "{accept}");
        assert_eq!(header(&zipped, "content-encoding"), "gzip", "{accept}");
        assert_eq!(header(&zipped, "content-type"), "text/html; charset=utf-8");
        assert!(header(&zipped, "vary").contains("accept-encoding"));
        assert!(header(&zipped, "content-security-policy").contains("frame-ancestors 'none'"));
        assert_eq!(header(&zipped, "x-frame-options"), "DENY");
        assert_eq!(header(&zipped, "x-content-type-options"), "nosniff");
        assert!(!header(&zipped, "x-request-id").is_empty());
        let body = zipped.bytes().await.unwrap();
        assert!(
            body.len() < plain_body.len() / 3,
            "{accept}: not compressed"
        );
        assert_eq!(gunzip(&body), plain_body, "{accept}");
    }

    // Refusing gzip gets the plain page.
    let refused = get_with(&app, &path, Some("gzip;q=0, identity")).await;
    assert_eq!(header(&refused, "content-encoding"), "");
    assert_eq!(refused.bytes().await.unwrap(), plain_body);
}

#[tokio::test]
async fn the_json_read_from_memory_matches_the_created_assessment_plain_and_gzipped() {
    let app = TestApp::spawn().await;
    let created = app.create(&dental_practice()).await;
    let path = format!("/api/v1/assessments/{}", created["id"].as_str().unwrap());
    for _ in 0..2 {
        let res = get_with(&app, &path, None).await;
        assert_eq!(res.status(), 200);
        assert_eq!(header(&res, "content-type"), "application/json");
        let read: serde_json::Value = res.json().await.unwrap();
        assert_eq!(read, created);
    }
    let zipped = get_with(&app, &path, Some("gzip")).await;
    assert_eq!(header(&zipped, "content-encoding"), "gzip");
    assert!(header(&zipped, "vary").contains("accept-encoding"));
    let read: serde_json::Value =
        serde_json::from_slice(&gunzip(&zipped.bytes().await.unwrap())).unwrap();
    assert_eq!(read, created);
}

#[tokio::test]
async fn unknown_ids_stay_404_however_often_they_are_asked_for() {
    let app = TestApp::spawn().await;
    for _ in 0..2 {
        for accept in [None, Some("gzip")] {
            let page = get_with(&app, "/assessments/AAAAAAAAAAAAAAAAAAAAAA", accept).await;
            assert_eq!(page.status(), 404);
            assert!(header(&page, "content-type").starts_with("text/html"));
            let api = get_with(&app, "/api/v1/assessments/AAAAAAAAAAAAAAAAAAAAAA", accept).await;
            assert_eq!(api.status(), 404);
            let body: serde_json::Value = match header(&api, "content-encoding") {
                "gzip" => serde_json::from_slice(&gunzip(&api.bytes().await.unwrap())).unwrap(),
                _ => api.json().await.unwrap(),
            };
            assert!(body["errors"].is_array());
        }
    }
}

#[tokio::test]
async fn concurrent_submissions_all_land_and_are_readable_right_after_their_answer() {
    let app = std::sync::Arc::new(TestApp::spawn().await);
    let mut tasks = Vec::new();
    for i in 0..48 {
        let app = app.clone();
        tasks.push(tokio::spawn(async move {
            let mut answers = if i % 2 == 0 {
                dental_practice()
            } else {
                tiny_studio()
            };
            let company = format!("Concurrent {i}");
            answers["company"] = company.clone().into();
            let id = if i % 3 == 0 {
                let pairs = as_form(&answers);
                let pairs: Vec<(&str, &str)> = pairs
                    .iter()
                    .map(|(k, v)| (k.as_str(), v.as_str()))
                    .collect();
                let res = app.post_form("/assessments", &pairs).await;
                assert_eq!(res.status(), 303);
                header(&res, "location")
                    .strip_prefix("/assessments/")
                    .expect("location")
                    .to_owned()
            } else {
                let res = app.post_json("/api/v1/assessments", &answers).await;
                assert_eq!(res.status(), 201);
                let body: serde_json::Value = res.json().await.unwrap();
                body["id"].as_str().unwrap().to_owned()
            };
            let read = app.get(&format!("/api/v1/assessments/{id}")).await;
            assert_eq!(
                read.status(),
                200,
                "{company} not readable after its answer"
            );
            let read: serde_json::Value = read.json().await.unwrap();
            assert_eq!(read["answers"]["company"], company.as_str());
            let page = app.get(&format!("/assessments/{id}")).await;
            assert_eq!(page.status(), 200);
            id
        }));
    }
    let mut ids = Vec::new();
    for task in tasks {
        ids.push(task.await.expect("submission task"));
    }
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), 48);

    // Still there for a server that starts on the same file.
    let app = std::sync::Arc::into_inner(app).expect("every task is done");
    let app = app.restart().await;
    for id in &ids {
        let res = app.get(&format!("/api/v1/assessments/{id}")).await;
        assert_eq!(res.status(), 200);
    }
}
