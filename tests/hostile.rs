//! Hostile input: a generated corpus of malformed, oversized and tricky requests against every
//! route of a running server. Whatever arrives, the answer is never a 5xx and never a hang.

mod common;

use std::time::Duration;

use common::{TestApp, dental_practice};
use futures_util::StreamExt;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// Every route pattern, with `{id}` for an assessment id.
const ROUTES: &[&str] = &[
    "/",
    "/healthz",
    "/readyz",
    "/metrics",
    "/assess",
    "/assess?embed=1",
    "/assessments",
    "/assessments/{id}",
    "/assessments/{id}/embed",
    "/assess/embed",
    "/embed.js",
    "/oembed?url=http%3A%2F%2Fservicefit.test%2Fassessments%2F{id}",
    "/static/app.css",
    "/api/v1/questionnaire",
    "/api/v1/assessments",
    "/api/v1/assessments/{id}",
    "/api/v1/openapi.json",
    "/consultant",
    "/consultant/login",
    "/consultant/logout",
    "/consultant/assessments/{id}",
    "/consultant/assessments/{id}/notes",
    "/consultant/assessments/{id}/status",
    "/consultant/assessments/{id}/tags",
    "/consultant/assessments/{id}/rescore",
    "/consultant/compare?a={id}&b={id}",
    "/consultant/trends",
    "/consultant/export.csv",
    "/consultant/export.json",
    "/no/such/page",
];

/// Ids that are not ids.
const BAD_IDS: &[&str] = &[
    "..%2F..%2Fetc%2Fpasswd",
    "%2e%2e%2f%2e%2e%2fCargo.toml",
    "%FF%FE%00",
    "aaaaaaaaaaaaaaaaaaaaaa%2F",
    "%00",
    "'%20OR%201=1--",
    "%E2%80%AE%F0%9F%92%A9",
    "9999999999999999999999999999999999999999",
];

/// A small deterministic generator, so a failure can be replayed.
struct XorShift(u64);

impl XorShift {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn bytes(&mut self, n: usize) -> Vec<u8> {
        (0..n).map(|_| self.next() as u8).collect()
    }
}

/// Bodies: random bytes, invalid UTF-8, non-finite and huge numbers, deep nesting, wrong shapes.
fn bodies(rng: &mut XorShift) -> Vec<(&'static str, Vec<u8>)> {
    let mut answers = dental_practice();
    let mut numbers = Vec::new();
    for (key, value) in [
        ("employees", "1e999"),
        ("employees", "-0"),
        ("employees", "NaN"),
        ("incidents_per_month", "1e999"),
        ("incidents_per_month", "-1e-999"),
        (
            "downtime_cost_per_hour",
            "179769313486231570000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000",
        ),
        ("hourly_rate", "-0.0"),
        ("employees", "18446744073709551617"),
    ] {
        // Spliced in as raw JSON text, so that non-JSON spellings reach the parser too.
        answers[key] = serde_json::Value::String("@@".into());
        let text = answers.to_string().replace("\"@@\"", value);
        numbers.push(("application/json", text.into_bytes()));
        let form = format!(
            "employees=20&growth=stable&it_reliance=high&complexity=simple&incidents_per_month=1&support_hours=extended&security=basic&in_house_it=none&budget=tight&cost_preference=predictable&control=balanced&{key}={value}"
        );
        numbers.push(("application/x-www-form-urlencoded", form.into_bytes()));
        answers = dental_practice();
    }
    let mut out = vec![
        ("application/json", Vec::new()),
        ("application/json", rng.bytes(512)),
        ("application/x-www-form-urlencoded", rng.bytes(512)),
        ("text/plain", rng.bytes(64)),
        (
            "application/json",
            b"{\"employees\": \"\xff\xfe\", \"company\": \"\xc3\x28\"}".to_vec(),
        ),
        (
            "application/x-www-form-urlencoded",
            b"company=%FF%FE&employees=%C3%28&\xff\xfe=1".to_vec(),
        ),
        ("application/json", "[".repeat(100_000).into_bytes()),
        (
            "application/json",
            format!("{}1{}", "{\"a\":".repeat(5000), "}".repeat(5000)).into_bytes(),
        ),
        ("application/json", b"[1,2,3]".to_vec()),
        ("application/json", b"\"just a string\"".to_vec()),
        (
            "application/json",
            b"{\"employees\": {\"$gt\": 0}}".to_vec(),
        ),
        (
            "application/x-www-form-urlencoded",
            "company=".repeat(5000).into_bytes(),
        ),
        (
            "multipart/form-data; boundary=x",
            b"--x\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\n1\r\n--x--".to_vec(),
        ),
        (
            "application/json; charset=utf-16",
            b"\xff\xfe{\x00}\x00".to_vec(),
        ),
        ("", rng.bytes(100)),
    ];
    out.extend(numbers);
    out
}

const METHODS: &[&str] = &["GET", "POST", "PUT", "DELETE", "PATCH", "HEAD", "OPTIONS"];

/// Sends raw bytes and returns the answer's status code and whole text, or `None` when the
/// server closed the connection without answering. With `half_close` the request ends with
/// the sending half of the connection, so that a body shorter than its Content-Length does not
/// keep the server waiting for the rest.
async fn raw_request(app: &TestApp, request: &[u8], half_close: bool) -> Option<(u16, String)> {
    let exchange = async {
        let mut stream = tokio::net::TcpStream::connect(app.addr).await.ok()?;
        stream.write_all(request).await.ok()?;
        if half_close {
            stream.shutdown().await.ok()?;
        }
        let mut answer = Vec::new();
        let _ = stream.read_to_end(&mut answer).await;
        let answer = String::from_utf8_lossy(&answer).into_owned();
        let status = answer.lines().next()?.split(' ').nth(1)?.parse().ok()?;
        Some((status, answer))
    };
    match tokio::time::timeout(Duration::from_secs(15), exchange).await {
        Ok(answer) => answer,
        Err(_) => panic!(
            "no answer within 15 s to {:?}",
            String::from_utf8_lossy(&request[..request.len().min(200)])
        ),
    }
}

fn assert_not_5xx(status: u16, what: &str) {
    assert!(status < 500, "{what} answered {status}");
}

/// Text of files a path traversal would reach: /etc/passwd, the crate's manifest and sources,
/// the database.
const FILE_CONTENTS: &[&str] = &[
    "root:x:0:0",
    "root:*:0:0",
    "[package]",
    "[dependencies]",
    "SQLite format 3",
    "pub fn ",
    "CREATE TABLE",
];

fn assert_no_file_contents(body: &str, what: &str) {
    for marker in FILE_CONTENTS {
        assert!(!body.contains(marker), "{what} served a file: {marker:?}");
    }
}

#[tokio::test]
async fn a_generated_corpus_of_hostile_requests_never_gets_a_5xx_or_hangs() {
    let app = TestApp::spawn_with(|c| c.submit_rate_limit = 0).await;
    let id = app.create(&dental_practice()).await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let cookie = app.consultant_cookie().await;
    servicefit::install_tls_provider();
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(Duration::from_secs(15))
        .build()
        .unwrap();
    let mut rng = XorShift(0x5EED_F00D_D00D_BEEF);
    let bodies = bodies(&mut rng);

    let mut paths: Vec<String> = Vec::new();
    for route in ROUTES {
        paths.push(route.replace("{id}", &id));
        if route.contains("{id}") {
            for bad in BAD_IDS {
                paths.push(route.replace("{id}", bad));
            }
        }
    }

    // Every route, every method, every body, signed in and not: through a real HTTP client.
    let mut cases = Vec::new();
    for path in &paths {
        for method in METHODS {
            for (i, (content_type, body)) in bodies.iter().enumerate() {
                // GET and HEAD bodies are unusual; a few of them are enough.
                if matches!(*method, "GET" | "HEAD" | "OPTIONS") && i > 2 {
                    continue;
                }
                for signed_in in [false, true] {
                    if signed_in && !path.starts_with("/consultant") {
                        continue;
                    }
                    cases.push((
                        path.clone(),
                        *method,
                        *content_type,
                        body.clone(),
                        signed_in,
                    ));
                }
            }
        }
    }
    let total = cases.len();
    let started = std::time::Instant::now();
    let results: Vec<_> = futures_util::stream::iter(cases)
        .map(|(path, method, content_type, body, signed_in)| {
            let client = client.clone();
            let url = app.url(&path);
            let cookie = cookie.clone();
            async move {
                let mut req = client.request(method.parse().unwrap(), &url).body(body);
                if !content_type.is_empty() {
                    req = req.header("content-type", content_type);
                }
                if signed_in {
                    // No CSRF token and a foreign origin: the session alone must not be enough.
                    req = req
                        .header("cookie", &cookie)
                        .header("origin", "https://evil.example");
                }
                let res = req
                    .send()
                    .await
                    .unwrap_or_else(|e| panic!("{method} {path}: {e}"));
                let status = res.status().as_u16();
                let body = res
                    .text()
                    .await
                    .unwrap_or_else(|e| panic!("{method} {path}: body: {e}"));
                (
                    format!("{method} {path} ({content_type}, signed in: {signed_in})"),
                    status,
                    body,
                )
            }
        })
        .buffer_unordered(8)
        .collect()
        .await;
    for (what, status, body) in &results {
        assert_not_5xx(*status, what);
        assert_no_file_contents(body, what);
    }
    eprintln!("{total} client requests in {:?}", started.elapsed());

    // Ten megabytes to every route that takes a body.
    let big = vec![b'a'; 10 * 1024 * 1024];
    for path in [
        "/assessments",
        "/assess/embed",
        "/api/v1/assessments",
        "/consultant/login",
    ] {
        for content_type in ["application/json", "application/x-www-form-urlencoded"] {
            let res = client
                .post(app.url(path))
                .header("content-type", content_type)
                .body(big.clone())
                .send()
                .await;
            // The server may answer 413 and close before the upload ends; either is fine.
            if let Ok(res) = res {
                assert!(res.status().is_client_error(), "{path}: {}", res.status());
            }
        }
    }

    // Long and many headers.
    let long = "x".repeat(60 * 1024);
    for path in ["/", "/api/v1/assessments", "/consultant"] {
        let res = client
            .get(app.url(path))
            .header("x-long", &long)
            .header("cookie", format!("servicefit_session={long}"))
            .send()
            .await
            .unwrap();
        assert_not_5xx(res.status().as_u16(), path);
    }
    let mut many = client.get(app.url("/"));
    for i in 0..500 {
        many = many.header(format!("x-h{i}"), "1");
    }
    assert_not_5xx(many.send().await.unwrap().status().as_u16(), "500 headers");

    // Paths a client library would normalise away, sent as raw bytes. Every one is answered;
    // the first group leads nowhere, so it is refused, not found, or sent to the sign-in page,
    // and no answer carries a file's text.
    let nowhere = [
        "/static/../../../../etc/passwd",
        "/static/..%2f..%2f..%2fCargo.toml",
        "/static/%2e%2e/%2e%2e/Cargo.toml",
        "/static/..%5c..%5cCargo.toml",
        "/assessments/../consultant",
        "/assessments/%2F%2F",
        "//assessments//",
        "/api/v1/assessments/%00",
        "/api/v1/assessments/\u{7f}",
        "/api/v1/assessments/..%2F..%2FCargo.toml",
        "/assess%00",
        "/consultant/..;/export.csv",
        "/%FF%FE",
        "/oembed?url=%FF%FE",
        "/oembed?url=http://servicefit.test/assessments/../../etc/passwd",
    ];
    let elsewhere = ["/consultant/login?next=//evil.example", "*"];
    for path in nowhere.iter().chain(&elsewhere) {
        for method in ["GET", "POST"] {
            let request = format!(
                "{method} {path} HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
            );
            let what = format!("{method} {path}");
            let (status, answer) = raw_request(&app, request.as_bytes(), false)
                .await
                .unwrap_or_else(|| panic!("{what}: closed without an answer"));
            assert_not_5xx(status, &what);
            assert_no_file_contents(&answer, &what);
            if nowhere.contains(path) {
                assert!(
                    (400..500).contains(&status) || status == 303,
                    "{what} answered {status}"
                );
            }
            if status == 303 {
                assert!(
                    answer.contains("location: /consultant/login"),
                    "{what}: {answer}"
                );
            }
        }
    }
    // Not HTTP at all, or HTTP with lies in it: refused with a 4xx. Header values that are not
    // text are opaque bytes to HTTP, so that request may be served.
    let raw_cases: Vec<(Vec<u8>, bool)> = vec![
        (rng.bytes(1024), true),
        (b"GET / HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nContent-Length: 7\r\n\r\nabcde".to_vec(), true),
        (b"POST /api/v1/assessments HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nContent-Type: application/json\r\nConnection: close\r\n\r\nZZ\r\n{}\r\n0\r\n\r\n".to_vec(), true),
        (b"GET /\xff\xfe HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n".to_vec(), true),
        (b"GET / HTTP/1.1\r\nHost: \xff\r\nX: \xc3\x28\r\nConnection: close\r\n\r\n".to_vec(), false),
        (b"POST /assessments HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 100\r\nConnection: close\r\n\r\nemployees=1".to_vec(), true),
    ];
    for (request, refused) in raw_cases {
        let what = String::from_utf8_lossy(&request[..request.len().min(80)]).into_owned();
        let (status, answer) = raw_request(&app, &request, true)
            .await
            .unwrap_or_else(|| panic!("{what:?}: closed without an answer"));
        assert_not_5xx(status, &what);
        if refused {
            assert!((400..500).contains(&status), "{what:?} answered {status}");
        }
        assert_no_file_contents(&answer, &what);
    }

    // The server is still well after all that.
    assert_eq!(app.get("/healthz").await.status(), 200);
    assert_eq!(
        app.get(&format!("/api/v1/assessments/{id}")).await.status(),
        200
    );
}
