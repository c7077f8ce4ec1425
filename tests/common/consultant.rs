//! A signed-in consultant as a browser holds one: the session cookie and a page's CSRF token,
//! sending the headers a browser sends (gzip included) so the server answers as it answers people.

use std::io::Read;

use reqwest::RequestBuilder;
use reqwest::header::{CONTENT_ENCODING, COOKIE};

use super::{TestApp, hidden};

/// What a current browser accepts as `Accept-Encoding`.
pub const ACCEPT_ENCODING: &str = "gzip, deflate, br, zstd";

/// What a current browser sends with a page request besides cookies and `Accept-Encoding`.
pub const BROWSER_HEADERS: [(&str, &str); 3] = [
    (
        "user-agent",
        "Mozilla/5.0 (X11; Linux x86_64; rv:140.0) Gecko/20100101 Firefox/140.0",
    ),
    (
        "accept",
        "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8",
    ),
    ("accept-language", "en-GB,en;q=0.5"),
];

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

    /// `GET path` as the browser sends it, the body decoded as the browser decodes it.
    pub async fn get(&self, app: &TestApp, path: &str) -> reqwest::Response {
        read(self.get_raw(app, path, ACCEPT_ENCODING).await).await
    }

    /// `GET path` with the browser's headers but `Accept-Encoding: accept_encoding`, the body as
    /// it comes over the wire.
    pub async fn get_raw(
        &self,
        app: &TestApp,
        path: &str,
        accept_encoding: &str,
    ) -> reqwest::Response {
        self.request(app, reqwest::Method::GET, path)
            .header("accept-encoding", accept_encoding)
            .send()
            .await
            .expect("request")
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
        let res = self
            .request(app, reqwest::Method::POST, path)
            .header("accept-encoding", ACCEPT_ENCODING)
            .header("content-type", "application/x-www-form-urlencoded")
            .body(serde_urlencoded::to_string(all).expect("encode"))
            .send()
            .await
            .expect("request");
        read(res).await
    }

    /// A request with the session cookie and the browser's headers but `Accept-Encoding`.
    fn request(&self, app: &TestApp, method: reqwest::Method, path: &str) -> RequestBuilder {
        BROWSER_HEADERS.into_iter().fold(
            app.client
                .request(method, app.url(path))
                .header(COOKIE, &self.cookie),
            |request, (name, value)| request.header(name, value),
        )
    }
}

/// The response with its body read to the end and decoded as the browser decodes it: a
/// compressed body that is cut short or does not decode fails the test here. It keeps its
/// `Content-Encoding` header, so a test can see what was sent.
pub async fn read(res: reqwest::Response) -> reqwest::Response {
    let status = res.status();
    let headers = res.headers().clone();
    let raw = res.bytes().await.expect("the whole body");
    let body = decode(headers.get(CONTENT_ENCODING).map(|v| v.as_bytes()), &raw);
    let mut decoded = axum::http::Response::new(body);
    *decoded.status_mut() = status;
    *decoded.headers_mut() = headers;
    decoded.into()
}

/// A body as the browser reads it, given its `Content-Encoding`; the server offers only gzip.
pub fn decode(encoding: Option<&[u8]>, raw: &[u8]) -> Vec<u8> {
    match encoding {
        None => raw.to_vec(),
        Some(b"gzip") => {
            let mut out = Vec::new();
            flate2::read::GzDecoder::new(raw)
                .read_to_end(&mut out)
                .unwrap_or_else(|e| {
                    panic!(
                        "a gzip body that does not decode ({} bytes): {e}",
                        raw.len()
                    )
                });
            out
        }
        Some(other) => panic!(
            "an encoding the browser did not offer: {}",
            String::from_utf8_lossy(other)
        ),
    }
}
