//! A signed-in consultant as a browser holds one: the session cookie and a page's CSRF token.

use reqwest::header::COOKIE;

use super::{TestApp, hidden};

pub struct Consultant {
    pub cookie: String,
    pub csrf: String,
}

impl Consultant {
    /// Signs the harness's consultant in ([`TestApp::consultant_cookie`]) and keeps the CSRF
    /// token of the review page for posting.
    pub async fn sign_in(app: &TestApp) -> Consultant {
        let cookie = app.consultant_cookie().await;
        let mut consultant = Consultant {
            cookie,
            csrf: String::new(),
        };
        let page = consultant.get(app, "/consultant").await;
        assert_eq!(page.status(), 200);
        consultant.csrf = hidden(&page.text().await.expect("text"), "csrf");
        consultant
    }

    pub async fn get(&self, app: &TestApp, path: &str) -> reqwest::Response {
        app.get_with_cookie(path, &self.cookie).await
    }

    /// The page at `path`, which must answer 200.
    pub async fn page(&self, app: &TestApp, path: &str) -> String {
        let res = self.get(app, path).await;
        assert_eq!(res.status(), 200, "{path}");
        res.text().await.expect("text")
    }

    /// Posts a form with the CSRF token added, as the consultant's pages do.
    pub async fn post(
        &self,
        app: &TestApp,
        path: &str,
        pairs: &[(&str, &str)],
    ) -> reqwest::Response {
        let mut all: Vec<(&str, &str)> = pairs.to_vec();
        all.push(("csrf", &self.csrf));
        app.client
            .post(app.url(path))
            .header(COOKIE, &self.cookie)
            .header("content-type", "application/x-www-form-urlencoded")
            .body(serde_urlencoded::to_string(all).expect("encode"))
            .send()
            .await
            .expect("request")
    }
}
