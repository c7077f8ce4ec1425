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

/// `tries` wrong passwords for the harness's account sent at once from `browser`'s form, spread
/// over `apps` in turn, as a guesser would send them; the statuses.
pub async fn burst_of_guesses(apps: &[&TestApp], browser: &Browser, tries: usize) -> Vec<u16> {
    let guesses = (0..tries).map(|i| {
        let mut browser = Browser {
            cookie: browser.cookie.clone(),
            csrf: browser.csrf.clone(),
            forwarded_for: browser.forwarded_for.clone(),
        };
        let app = apps[i % apps.len()];
        async move {
            browser
                .try_sign_in(app, EMAIL, &format!("guess number {i}"), "")
                .await
                .status()
                .as_u16()
        }
    });
    futures_util::future::join_all(guesses).await
}

/// Failures counted against the harness's account from any one address, as stored.
pub async fn failures_counted(app: &TestApp) -> i64 {
    let key = format!("account+address:{EMAIL} %");
    servicefit::on_pool!(&app.db().await, pool => sqlx::query_scalar(
        "SELECT count(*) FROM login_failures WHERE key LIKE $1",
    )
    .bind(&key)
    .fetch_one(pool)
    .await
    .expect("count"))
}

/// Checks a burst's statuses: every guess is tried (`401`) or refused (`429`), no more tried
/// than the limit per account and address, and only the tried ones counted.
pub async fn assert_burst_held(app: &TestApp, statuses: &[u16]) {
    let limit = usize::try_from(servicefit::auth::MAX_FAILURES_PER_ACCOUNT_AND_ADDRESS).unwrap();
    let tried = statuses.iter().filter(|s| **s == 401).count();
    let refused = statuses.iter().filter(|s| **s == 429).count();
    assert_eq!(tried + refused, statuses.len(), "{statuses:?}");
    assert!(
        tried <= limit,
        "{tried} passwords were tried, the limit is {limit}: {statuses:?}"
    );
    assert_eq!(
        failures_counted(app).await,
        i64::try_from(tried).unwrap(),
        "the refused guesses are not counted as failures"
    );
}
