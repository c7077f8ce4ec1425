//! A browser on the consultant's sign-in form, for the sign-in and throttling tests.

use reqwest::header::COOKIE;

use super::{CONSULTANT_EMAIL as EMAIL, CONSULTANT_PASSWORD as PASSWORD, TestApp, hidden};
use super::{session_cookie, sign_in_form_cookie};

/// A browser on the sign-in form: the `Cookie` header it sends (the form's cookie, then the
/// session's) and the form's CSRF token. Behind a proxy, `forwarded_for` is the address the
/// proxy reports for it.
pub struct Browser {
    pub cookie: String,
    pub csrf: String,
    pub forwarded_for: Option<String>,
}

impl Browser {
    pub async fn open_login(app: &TestApp) -> Browser {
        let res = app.get("/consultant/login").await;
        assert_eq!(res.status(), 200);
        let cookie = sign_in_form_cookie(&res).expect("the login page sets its form cookie");
        let html = res.text().await.unwrap();
        Browser {
            cookie,
            csrf: hidden(&html, "csrf"),
            forwarded_for: None,
        }
    }

    /// A browser at `address`, as a proxy in front of the server reports it.
    pub async fn open_login_from(app: &TestApp, address: &str) -> Browser {
        let mut b = Browser::open_login(app).await;
        b.forwarded_for = Some(address.to_owned());
        b
    }

    pub async fn try_sign_in(
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
        let mut req = app
            .client
            .post(app.url("/consultant/login"))
            .header(COOKIE, &self.cookie)
            .header("content-type", "application/x-www-form-urlencoded")
            .body(body);
        if let Some(address) = &self.forwarded_for {
            req = req.header("x-forwarded-for", format!("{address}, 10.0.0.1"));
        }
        let res = req.send().await.unwrap();
        if let Some(c) = session_cookie(&res) {
            self.cookie = c;
        }
        res
    }

    pub async fn get(&self, app: &TestApp, path: &str) -> reqwest::Response {
        app.get_with_cookie(path, &self.cookie).await
    }
}

/// A server with the harness's consultant account, nobody signed in.
pub async fn app_with_consultant() -> TestApp {
    let app = TestApp::spawn().await;
    add_consultant(&app).await;
    app
}

/// Adds the harness's consultant account.
pub async fn add_consultant(app: &TestApp) {
    let hash = servicefit::auth::hash_password(PASSWORD).unwrap();
    servicefit::db::consultants::insert_consultant(
        &app.db().await,
        EMAIL,
        &hash,
        "2026-11-21T00:00:00Z",
    )
    .await
    .unwrap();
}
