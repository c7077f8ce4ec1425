//! The owner's right to delete their result: the private link from the `201` answer or the
//! first view, the confirmation, the deletion, and `410 Gone` afterwards, over real HTTP on a
//! real SQLite file.

mod common;

use common::{ACCEPT_ENCODING, PUBLIC_URL, TestApp, dental_practice, set_cookie, text};
use serde_json::Value;

/// The path and query of a `delete_url` (the tests talk to the server, not the public URL).
fn path_of(delete_url: &str) -> String {
    delete_url
        .strip_prefix(PUBLIC_URL)
        .unwrap_or_else(|| panic!("{delete_url} is under {PUBLIC_URL}"))
        .to_owned()
}

fn token_of(delete_url: &str) -> String {
    delete_url
        .split_once("token=")
        .expect("a token")
        .1
        .to_owned()
}

#[tokio::test]
async fn the_delete_link_confirms_deletes_everything_and_leaves_410_gone() {
    let app = TestApp::spawn().await;
    let created = app.create_with_link(&dental_practice()).await;
    let id = created["id"].as_str().unwrap().to_owned();
    let delete_url = created["delete_url"]
        .as_str()
        .expect("delete_url")
        .to_owned();
    assert!(delete_url.starts_with(&format!("{PUBLIC_URL}/assessments/{id}/delete?token=")));
    let token = token_of(&delete_url);
    assert!(token.len() >= 43, "256 bits: {token}");
    assert!(!token.contains(&id));

    // Never shown again: not in GET answers, the page, the embed.
    let json: Value = app
        .get(&format!("/api/v1/assessments/{id}"))
        .await
        .json()
        .await
        .unwrap();
    assert!(json.get("delete_url").is_none());
    for path in [
        format!("/assessments/{id}"),
        format!("/assessments/{id}/embed"),
        format!("/api/v1/assessments/{id}"),
    ] {
        let body = text(app.get(&path).await).await;
        assert!(!body.contains(&token), "{path} shows the token");
    }
    // Stored hashed, not as given.
    let pool = app.db().await;
    let stored: Vec<u8> = servicefit::on_pool!(&pool, pool => sqlx::query_scalar("SELECT delete_token_hash FROM assessments WHERE id = $1")
            .bind(&id)
            .fetch_one(pool)
            .await
            .unwrap());
    assert_eq!(stored.len(), 32);
    assert!(!String::from_utf8_lossy(&stored).contains(&token));

    // A wrong or missing token is 404, as for an unknown id.
    let wrong = format!("/assessments/{id}/delete?token={}", "A".repeat(43));
    assert_eq!(app.get(&wrong).await.status(), 404);
    assert_eq!(
        app.get(&format!("/assessments/{id}/delete")).await.status(),
        404
    );
    assert_eq!(
        app.post_form(
            &format!("/assessments/{id}/delete"),
            &[("token", &"A".repeat(43))]
        )
        .await
        .status(),
        404
    );

    // The link shows a confirmation that deletes nothing by itself.
    let confirm = app.get(&path_of(&delete_url)).await;
    assert_eq!(confirm.status(), 200);
    let page = text(confirm).await;
    assert!(page.contains("Delete this assessment?"));
    assert!(page.contains(&format!("action=\"/assessments/{id}/delete\"")));
    assert_eq!(app.get(&format!("/assessments/{id}")).await.status(), 200);

    // Confirming deletes, and says so.
    let done = app
        .post_form(&format!("/assessments/{id}/delete"), &[("token", &token)])
        .await;
    assert_eq!(done.status(), 303);
    assert_eq!(
        done.headers()["location"],
        format!("/assessments/{id}/deleted").as_str()
    );
    let deleted = app.get(&format!("/assessments/{id}/deleted")).await;
    assert_eq!(deleted.status(), 200);
    assert!(text(deleted).await.contains("Your assessment was deleted"));

    // Afterwards every address of it answers 410, the API in JSON.
    for path in [
        format!("/assessments/{id}"),
        format!("/assessments/{id}/embed"),
        path_of(&delete_url),
    ] {
        assert_eq!(app.get(&path).await.status(), 410, "{path}");
    }
    let api = app.get(&format!("/api/v1/assessments/{id}")).await;
    assert_eq!(api.status(), 410);
    let body: Value = api.json().await.unwrap();
    assert!(
        body["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("deleted")
    );
    assert_eq!(
        app.post_form(&format!("/assessments/{id}/delete"), &[("token", &token)])
            .await
            .status(),
        410
    );

    // Nothing of it is left but the tombstone.
    let rows: i64 = servicefit::on_pool!(&pool, pool => sqlx::query_scalar("SELECT count(*) FROM assessments WHERE id = $1")
        .bind(&id)
        .fetch_one(pool)
        .await
        .unwrap());
    assert_eq!(rows, 0);
    let tombstones: i64 = servicefit::on_pool!(&pool, pool => sqlx::query_scalar("SELECT count(*) FROM erased_assessments WHERE id = $1")
            .bind(&id)
            .fetch_one(pool)
            .await
            .unwrap());
    assert_eq!(tombstones, 1);
    // An id that never existed is still 404, and its "deleted" page too.
    assert_eq!(
        app.get("/assessments/AAAAAAAAAAAAAAAAAAAAAA/deleted")
            .await
            .status(),
        404
    );
}

#[tokio::test]
async fn the_form_shows_the_private_link_on_the_first_view_only() {
    let app = TestApp::spawn().await;
    let pairs = app.filled_in_form(&dental_practice()).await;
    tokio::time::sleep(std::time::Duration::from_millis(3100)).await;
    let res = app.submit_form(&pairs).await;
    assert_eq!(res.status(), 303);
    let location = res.headers()["location"].to_str().unwrap().to_owned();
    let cookie = set_cookie(&res, "servicefit_delete").expect("the first-view cookie");
    let raw = res
        .headers()
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap().to_owned())
        .collect::<Vec<_>>()
        .join("\n");
    assert!(
        raw.contains(&format!("Path={location}")) && raw.contains("HttpOnly"),
        "{raw}"
    );

    let first = app.get_with_cookie(&location, &cookie).await;
    assert_eq!(first.status(), 200);
    assert_eq!(first.headers()["cache-control"], "no-store");
    let cleared = first.headers().get_all("set-cookie").iter().any(|v| {
        v.to_str().unwrap().starts_with("servicefit_delete=;")
            && v.to_str().unwrap().contains("Max-Age=0")
    });
    assert!(cleared, "the first view clears the cookie");
    let page = text(first).await;
    let token = cookie.split_once('=').unwrap().1;
    assert!(
        page.contains(&format!("{location}/delete?token={token}")),
        "the private link is on the first view"
    );

    // Later views (and anyone else's) are the ordinary, cached page without it.
    let later = text(app.get(&location).await).await;
    assert!(!later.contains(token));
    assert!(!later.contains("private link"));
    // A cookie whose token is not this result's shows no link.
    let other = text(
        app.get_with_cookie(&location, &format!("servicefit_delete={}", "B".repeat(43)))
            .await,
    )
    .await;
    assert!(!other.contains("/delete?token="));
}

#[tokio::test]
async fn a_retried_submission_gets_a_fresh_link_that_replaces_the_first() {
    let app = TestApp::spawn().await;
    let send = || async {
        app.client
            .post(app.url("/api/v1/assessments"))
            .header("content-type", "application/json")
            .header("idempotency-key", "retry-me-0001")
            .body(dental_practice().to_string())
            .send()
            .await
            .unwrap()
            .json::<Value>()
            .await
            .unwrap()
    };
    let first = send().await;
    let second = send().await;
    assert_eq!(first["id"], second["id"]);
    let (a, b) = (
        first["delete_url"].as_str().unwrap(),
        second["delete_url"].as_str().unwrap(),
    );
    assert_ne!(a, b);
    assert_eq!(
        app.get(&path_of(a)).await.status(),
        404,
        "the first link was replaced"
    );
    assert_eq!(app.get(&path_of(b)).await.status(), 200);
}

#[tokio::test]
async fn the_first_view_shows_the_link_gzipped_to_a_browser_and_later_gzipped_views_do_not() {
    let app = TestApp::spawn().await;
    let pairs = app.filled_in_form(&dental_practice()).await;
    tokio::time::sleep(std::time::Duration::from_millis(3100)).await;
    let res = app.submit_form(&pairs).await;
    assert_eq!(res.status(), 303);
    let location = res.headers()["location"].to_str().unwrap().to_owned();
    let cookie = set_cookie(&res, "servicefit_delete").expect("the first-view cookie");
    let token = cookie.split_once('=').unwrap().1.to_owned();
    let view = |cookie: Option<&str>| {
        let mut req = app
            .client
            .get(app.url(&location))
            .header("accept", "text/html,application/xhtml+xml")
            .header("accept-encoding", ACCEPT_ENCODING);
        if let Some(cookie) = cookie {
            req = req.header("cookie", cookie);
        }
        req.send()
    };

    let first = view(Some(&cookie)).await.unwrap();
    assert_eq!(first.status(), 200);
    assert_eq!(first.headers()["content-encoding"], "gzip");
    assert_eq!(first.headers()["cache-control"], "no-store");
    let cleared = first.headers().get_all("set-cookie").iter().any(|v| {
        let v = v.to_str().unwrap();
        v.starts_with("servicefit_delete=;") && v.contains("Max-Age=0")
    });
    assert!(cleared, "the first view clears the cookie");
    let page = text(first).await;
    assert!(
        page.contains(&format!("{location}/delete?token={token}")),
        "the private link is on the gzipped first view"
    );

    // The browser dropped the cookie: the next view is the shared page, without the link.
    let later = view(None).await.unwrap();
    assert_eq!(later.status(), 200);
    assert_eq!(later.headers()["content-encoding"], "gzip");
    let later = text(later).await;
    assert!(later.contains("Harbour Dental"), "the result itself");
    assert!(!later.contains(&token));
    assert!(!later.contains("/delete?token="));
}
