//! Signing in through the consultant's form: sessions, redirects and forgery protection
//! (throttling is in sign_in_throttling.rs). Other consultant tests sign in with the harness's
//! `consultant_cookie()`.

mod common;

use common::consultant::Consultant;
use common::sign_in::{Browser, app_with_consultant};
use common::{
    CONSULTANT_EMAIL as EMAIL, CONSULTANT_PASSWORD as PASSWORD, TestApp, dental_practice, hidden,
    session_cookie, sign_in_form_cookie,
};
use reqwest::header::{CACHE_CONTROL, COOKIE, LOCATION, SET_COOKIE};
use servicefit::routes::consultant::protected_routes;

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
    let pool = app.db().await;
    let (notes,): (i64,) = servicefit::on_pool!(&pool, pool => sqlx::query_as("SELECT COUNT(*) FROM notes")
        .fetch_one(pool)
        .await
        .unwrap());
    assert_eq!(notes, 0);
}

#[tokio::test]
async fn no_signed_in_response_may_be_stored_by_the_browser() {
    let app = app_with_consultant().await;
    let id = app.create(&dental_practice()).await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let no_store = |res: &reqwest::Response, what: &str| {
        assert_eq!(
            res.headers()
                .get(CACHE_CONTROL)
                .map(|v| v.to_str().unwrap()),
            Some("no-store"),
            "{what} answered {}",
            res.status()
        );
    };
    let mut b = Browser::open_login(&app).await;
    no_store(&b.try_sign_in(&app, EMAIL, PASSWORD, "").await, "sign-in");
    let consultant = Consultant {
        csrf: hidden(
            &b.get(&app, "/consultant").await.text().await.unwrap(),
            "csrf",
        ),
        cookie: b.cookie.clone(),
    };
    no_store(
        &consultant.get(&app, "/consultant/login").await,
        "the login page",
    );
    let missing = "/consultant/assessments/AAAAAAAAAAAAAAAAAAAAAA";
    no_store(&consultant.get(&app, missing).await, missing);
    for (path, _) in protected_routes() {
        let path = path.replace("{id}", &id);
        if path == "/consultant/logout" {
            continue;
        }
        let res = consultant.get(&app, &path).await;
        if res.status() == 405 {
            let form = [
                ("body", "Called back"),
                ("status", "contacted"),
                ("tags", "vip"),
            ];
            let res = consultant.post(&app, &path, &form).await;
            assert_eq!(res.status(), 303, "POST {path}");
            no_store(&res, &format!("POST {path}"));
        } else {
            assert_eq!(res.status(), 200, "GET {path}");
            no_store(&res, &format!("GET {path}"));
        }
    }
    no_store(
        &consultant.post(&app, "/consultant/logout", &[]).await,
        "sign-out",
    );
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
    let res = b
        .try_sign_in(&app, EMAIL, PASSWORD, "/consultant?status=new")
        .await;
    assert_eq!(res.status(), 303);
    assert_eq!(res.headers()[LOCATION], "/consultant?status=new");
    let set_session = res
        .headers()
        .get_all(SET_COOKIE)
        .iter()
        .map(|v| v.to_str().unwrap())
        .find(|v| v.starts_with("servicefit_session="))
        .expect("a session cookie");
    assert!(set_session.contains("HttpOnly"));
    assert!(set_session.contains("SameSite=Lax"));
    assert_eq!(b.get(&app, "/consultant").await.status(), 200);

    // Signing in again over a session (a planted one, or one's own) gives a new id and ends
    // the old one.
    let before = b.cookie.clone();
    let mut again = Browser::open_login(&app).await;
    again.cookie = format!("{}; {before}", again.cookie);
    assert_eq!(
        again.try_sign_in(&app, EMAIL, PASSWORD, "").await.status(),
        303
    );
    assert_ne!(
        again.cookie, before,
        "the session id must change at sign-in"
    );
    assert_eq!(again.get(&app, "/consultant").await.status(), 200);
    assert_eq!(b.get(&app, "/consultant").await.status(), 303);
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
async fn a_next_link_with_line_breaks_control_characters_or_another_site_goes_to_the_list() {
    let app = app_with_consultant().await;
    for next in [
        "/consultant\r\nSet-Cookie: planted=1",
        "\r\nSet-Cookie: planted=1",
        "/consultant/assessments/x\nLocation: https://evil.example/",
        "/consultant\0",
        "/consultant\t",
        "/consultant/\u{7f}",
        "/consultant/caf\u{e9}",
        "/consultant?q=two words",
        "//evil.example/consultant",
        "/\\evil.example",
        "https://evil.example/consultant",
        " /consultant",
    ] {
        // The login page carries it into its form unharmed.
        let page = app
            .get(&format!(
                "/consultant/login?{}",
                serde_urlencoded::to_string([("next", next)]).unwrap()
            ))
            .await;
        assert_eq!(page.status(), 200, "{next:?}");
        assert_eq!(hidden(&page.text().await.unwrap(), "next"), "/consultant");

        let mut b = Browser::open_login(&app).await;
        let res = b.try_sign_in(&app, EMAIL, PASSWORD, next).await;
        assert_eq!(res.status(), 303, "{next:?}");
        assert_eq!(res.headers()[LOCATION], "/consultant", "{next:?}");
        assert!(
            res.headers()
                .get_all(SET_COOKIE)
                .iter()
                .all(|c| !c.to_str().unwrap().contains("planted")),
            "{next:?}"
        );
        assert_eq!(b.get(&app, "/consultant").await.status(), 200, "{next:?}");
    }
    // A local path with a query still leads back to it.
    let mut b = Browser::open_login(&app).await;
    let res = b
        .try_sign_in(
            &app,
            EMAIL,
            PASSWORD,
            "/consultant?q=harbour%20dental&page=2",
        )
        .await;
    assert_eq!(
        res.headers()[LOCATION],
        "/consultant?q=harbour%20dental&page=2"
    );
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
    let b = Consultant::sign_in(&app).await;
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

/// Rows in the sessions table.
async fn stored_sessions(app: &TestApp) -> i64 {
    servicefit::on_pool!(&app.db().await, pool => sqlx::query_scalar("SELECT COUNT(*) FROM sessions")
        .fetch_one(pool)
        .await
        .unwrap())
}

#[tokio::test]
async fn visitors_who_do_not_sign_in_leave_no_session_behind() {
    let app = app_with_consultant().await;
    for _ in 0..50 {
        let res = app.get("/consultant/login").await;
        assert_eq!(res.status(), 200);
        assert_eq!(session_cookie(&res), None);
    }
    let mut b = Browser::open_login(&app).await;
    let failed = b.try_sign_in(&app, EMAIL, "not the password!", "").await;
    assert_eq!(failed.status(), 401);
    let mut forged = Browser::open_login(&app).await;
    forged.csrf = "forged".into();
    assert_eq!(
        forged.try_sign_in(&app, EMAIL, PASSWORD, "").await.status(),
        403
    );
    assert_eq!(stored_sessions(&app).await, 0);

    assert_eq!(b.try_sign_in(&app, EMAIL, PASSWORD, "").await.status(), 303);
    assert_eq!(stored_sessions(&app).await, 1);
}

#[tokio::test]
async fn the_sign_in_form_token_counts_only_with_its_own_cookie() {
    let app = app_with_consultant().await;
    let res = app.get("/consultant/login").await;
    let set = res
        .headers()
        .get_all(SET_COOKIE)
        .iter()
        .map(|v| v.to_str().unwrap().to_owned())
        .find(|v| v.starts_with("servicefit_sign_in="))
        .expect("the form's cookie");
    for attribute in ["HttpOnly", "SameSite=Strict", "Path=/consultant/login"] {
        assert!(set.contains(attribute), "{attribute} missing from {set}");
    }

    let first = Browser::open_login(&app).await;
    let second = Browser::open_login(&app).await;
    let mut mixed = Browser::open_login(&app).await;
    mixed.cookie = first.cookie.clone();
    mixed.csrf = second.csrf.clone();
    assert_eq!(
        mixed.try_sign_in(&app, EMAIL, PASSWORD, "").await.status(),
        403
    );
    let mut no_cookie = Browser::open_login(&app).await;
    no_cookie.cookie = String::new();
    let refused = no_cookie.try_sign_in(&app, EMAIL, PASSWORD, "").await;
    assert_eq!(refused.status(), 403);
    // The refusal comes with a fresh form that works.
    let mut retry = Browser {
        cookie: sign_in_form_cookie(&refused).expect("a new form cookie"),
        csrf: hidden(&refused.text().await.unwrap(), "csrf"),
        forwarded_for: None,
    };
    let mut no_token = Browser::open_login(&app).await;
    no_token.csrf = String::new();
    assert_eq!(
        no_token
            .try_sign_in(&app, EMAIL, PASSWORD, "")
            .await
            .status(),
        403
    );
    assert_eq!(
        retry.try_sign_in(&app, EMAIL, PASSWORD, "").await.status(),
        303
    );
}

#[tokio::test]
async fn a_sign_in_form_left_open_for_two_hours_has_expired() {
    let app = app_with_consultant().await;
    let mut b = Browser::open_login(&app).await;
    app.clock.advance(std::time::Duration::from_secs(2 * 3600));
    let res = b.try_sign_in(&app, EMAIL, PASSWORD, "").await;
    assert_eq!(res.status(), 403);
    assert!(res.text().await.unwrap().contains("expired"));
}
