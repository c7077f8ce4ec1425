//! White label: with `--brand FILE` every page an owner sees carries the firm's name, logo and
//! colour and never servicefit's name; without it nothing changes; a bad brand file stops the
//! server at start with the key named.

mod common;

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::TestApp;
use common::binary::BIN;

const NAME: &str = "Harbour IT Partners";

/// The example brand of the README, with its logo beside it.
fn example_brand() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/brand.example.toml")
}

async fn branded() -> TestApp {
    TestApp::spawn_with(|c| c.brand = Some(example_brand())).await
}

async fn new_result(app: &TestApp) -> String {
    app.create(&common::dental_practice()).await["id"]
        .as_str()
        .expect("id")
        .to_owned()
}

/// The text between the first `start` and the next `end` after it.
fn between<'a>(html: &'a str, start: &str, end: &str) -> &'a str {
    let from = html
        .find(start)
        .unwrap_or_else(|| panic!("{start} missing in {html}"));
    let len = html[from..]
        .find(end)
        .unwrap_or_else(|| panic!("{end} missing after {start}"));
    &html[from..from + len + end.len()]
}

/// What a reader of the page sees: the text outside tags, the embed snippet's code in its
/// textarea included (escaped there, so no tag).
fn visible_text(html: &str) -> String {
    let mut text = String::new();
    let mut in_tag = false;
    for c in html.chars() {
        match c {
            '<' => in_tag = true,
            '>' => {
                in_tag = false;
                text.push(' ');
            }
            c if !in_tag => text.push(c),
            _ => {}
        }
    }
    text
}

fn attr_after<'a>(html: &'a str, prefix: &str) -> &'a str {
    let from = html
        .find(prefix)
        .unwrap_or_else(|| panic!("{prefix} missing"))
        + prefix.len();
    let len = html[from..].find('"').expect("closing quote");
    &html[from..from + len]
}

fn header<'a>(res: &'a reqwest::Response, name: &str) -> &'a str {
    res.headers()
        .get(name)
        .unwrap_or_else(|| panic!("{name} missing"))
        .to_str()
        .expect("ascii")
}

#[tokio::test]
async fn every_page_an_owner_sees_carries_the_firm_and_never_names_servicefit() {
    let app = branded().await;
    let id = new_result(&app).await;
    let home = app.get("/").await.text().await.unwrap();
    let logo = attr_after(&home, r#"<img class="brand-logo" src=""#).to_owned();
    assert!(
        logo.starts_with("/brand/logo.") && logo.ends_with(".svg"),
        "{logo}"
    );

    for (path, status) in [
        ("/".to_owned(), 200),
        ("/assess".to_owned(), 200),
        (format!("/assessments/{id}"), 200),
        (format!("/assessments/{id}/embed"), 200),
        (
            format!("/assessments/{id}/embed?theme=dark&accent=c2410c"),
            200,
        ),
        ("/assess/embed".to_owned(), 200),
        ("/no-such-page".to_owned(), 404),
        ("/assessments/AAAAAAAAAAAAAAAAAAAAAA".to_owned(), 404),
        (format!("/assessments/{id}/embed?theme=sepia"), 400),
    ] {
        let res = app.get(&path).await;
        assert_eq!(res.status(), status, "{path}");
        let html = res.text().await.unwrap();
        let title = between(&html, "<title>", "</title>");
        assert!(title.contains(NAME), "{path}: {title}");
        assert!(
            html.contains(&format!(r#"src="{logo}""#)),
            "{path}: no logo"
        );
        assert!(
            html.contains(r#"<link rel="stylesheet" href="/brand/accent."#),
            "{path}"
        );
        // The test server's own address is the only servicefit left.
        let text = visible_text(&html).replace(common::PUBLIC_URL, "");
        assert!(text.contains(NAME), "{path}");
        assert!(
            !text.to_lowercase().contains("servicefit"),
            "{path} names servicefit: {text}"
        );
        if html.contains("<header class=\"site\">") {
            let header = between(&html, "<header class=\"site\">", "</header>");
            assert!(header.contains(NAME), "{path}: {header}");
            let footer = between(&html, "<footer class=\"site\">", "</footer>");
            assert!(
                footer.contains("https://harbour-it.example/privacy"),
                "{path}"
            );
            assert!(footer.contains("advice@harbour-it.example"), "{path}");
            assert!(footer.contains("looks after the IT of 200"), "{path}");
        }
    }

    // The printed result is headed by the firm.
    let html = app
        .get(&format!("/assessments/{id}"))
        .await
        .text()
        .await
        .unwrap();
    let print_head = between(&html, "<p class=\"print-only print-head\">", "</p>");
    assert!(
        print_head.contains(NAME) && print_head.contains(&logo),
        "{print_head}"
    );
    // The snippet's frame and oEmbed name the firm as the provider.
    let snippet = between(&html, "<textarea", "</textarea>");
    assert!(
        snippet.contains(&format!("IT support recommendation from {NAME}")),
        "{snippet}"
    );
    assert!(!snippet.contains("servicefit-embed") && !snippet.contains("data-servicefit"));
    let oembed: serde_json::Value = app
        .get(&format!(
            "/oembed?url={}/assessments/{id}",
            common::PUBLIC_URL
        ))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(oembed["provider_name"], NAME);
}

#[tokio::test]
async fn a_rejected_questionnaire_keeps_the_brand() {
    let app = branded().await;
    let mut form = app.filled_in_form(&common::dental_practice()).await;
    form.retain(|(k, _)| k != "employees");
    let res = app.submit_form(&form).await;
    assert_eq!(res.status(), 422);
    let html = common::text(res).await;
    assert!(between(&html, "<title>", "</title>").contains(NAME));
    assert!(!visible_text(&html).to_lowercase().contains("servicefit"));
}

#[tokio::test]
async fn consultant_pages_stay_servicefit_s_own() {
    let app = branded().await;
    let html = app.get("/consultant/login").await.text().await.unwrap();
    assert!(between(&html, "<title>", "</title>").contains("servicefit"));
    assert!(!html.contains("/brand/"));
}

#[tokio::test]
async fn the_logo_is_served_as_an_image_that_runs_nothing_cached_for_a_year() {
    let app = branded().await;
    let home = app.get("/").await.text().await.unwrap();
    let logo = attr_after(&home, r#"<img class="brand-logo" src=""#).to_owned();
    let res = app.get(&logo).await;
    assert_eq!(res.status(), 200);
    assert_eq!(header(&res, "content-type"), "image/svg+xml");
    assert_eq!(
        header(&res, "cache-control"),
        "public, max-age=31536000, immutable"
    );
    assert_eq!(header(&res, "x-content-type-options"), "nosniff");
    let csp = header(&res, "content-security-policy").to_owned();
    assert!(csp.starts_with("default-src 'none'"), "{csp}");
    assert!(
        csp.contains("sandbox") && !csp.contains("script-src"),
        "{csp}"
    );
    let served = res.bytes().await.unwrap();
    let file =
        std::fs::read(Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/brand-logo.example.svg"))
            .unwrap();
    assert_eq!(&served[..], &file[..]);

    // Another version, or a file that is not the brand's: not found.
    for path in ["/brand/logo.00000000.svg", "/brand/brand.example.toml"] {
        assert_eq!(app.get(path).await.status(), 404, "{path}");
    }
}

#[tokio::test]
async fn the_brand_stylesheet_sets_the_accent_after_the_site_s_and_before_the_host_s() {
    let app = branded().await;
    let home = app.get("/").await.text().await.unwrap();
    let site = home.find("/static/app.").unwrap();
    let brand = home.find("/brand/accent.").expect("brand stylesheet");
    assert!(site < brand);
    let href = attr_after(&home, r#"<link rel="stylesheet" href="/brand/accent."#);
    let res = app.get(&format!("/brand/accent.{href}")).await;
    assert_eq!(res.status(), 200);
    assert_eq!(header(&res, "content-type"), "text/css; charset=utf-8");
    assert_eq!(
        header(&res, "cache-control"),
        "public, max-age=31536000, immutable"
    );
    let css = res.text().await.unwrap();
    // Light pages, embedded or not: the firm's colour as given.
    assert!(
        css.contains(
            ":root[data-theme], :root:not([data-theme]) { --accent: #0b5cad; --accent-text: #ffffff; }"
        ),
        "{css}"
    );
    // Dark pages: a lighter shade of it.
    let dark = between(&css, ":root[data-theme=\"dark\"] {", "}");
    assert!(
        !dark.contains("#0b5cad") && dark.contains("--accent: #"),
        "{dark}"
    );
    let preferred = &css[css.find("@media (prefers-color-scheme: dark)").unwrap()..];
    assert!(preferred.contains(":root:not([data-theme])"), "{css}");

    // A host's own accent on an embed still wins: its sheet comes after the brand's.
    let id = new_result(&app).await;
    let html = app
        .get(&format!("/assessments/{id}/embed?accent=c2410c"))
        .await
        .text()
        .await
        .unwrap();
    let brand = html.find("/brand/accent.").unwrap();
    let host = html.find("/embed/accent/c2410c.css").unwrap();
    assert!(brand < host);
}

#[tokio::test]
async fn without_a_brand_pages_stay_servicefit_s() {
    let app = TestApp::spawn().await;
    let id = new_result(&app).await;
    for path in [
        "/".to_owned(),
        "/assess".to_owned(),
        format!("/assessments/{id}"),
        format!("/assessments/{id}/embed"),
        "/no-such-page".to_owned(),
    ] {
        let html = app.get(&path).await.text().await.unwrap();
        let title = between(&html, "<title>", "</title>");
        assert!(title.contains("servicefit"), "{path}: {title}");
        assert!(!html.contains("/brand/") && !html.contains(NAME), "{path}");
    }
    let home = app.get("/").await.text().await.unwrap();
    assert!(home.contains(r#"<a class="brand" href="/">servicefit</a>"#));
    let embed = app
        .get(&format!("/assessments/{id}/embed"))
        .await
        .text()
        .await
        .unwrap();
    assert!(embed.contains(r#"<span class="muted">· servicefit</span>"#));
    let results = app
        .get(&format!("/assessments/{id}"))
        .await
        .text()
        .await
        .unwrap();
    assert!(results.contains("class=&#34;servicefit-embed&#34; data-servicefit"));
    assert_eq!(app.get("/brand/logo.00000000.svg").await.status(), 404);
}

/// Runs the real binary with `args` and `env`; its exit status and what it wrote to stderr.
/// A server that starts instead of refusing is stopped and reported.
fn run_refused(
    dir: &Path,
    args: &[&str],
    env: &[(&str, &Path)],
) -> (std::process::ExitStatus, String) {
    let mut child = Command::new(BIN)
        .args(["--bind", "127.0.0.1:0"])
        .arg("--database-url")
        .arg(format!("sqlite://{}", dir.join("test.db").display()))
        .args(args)
        .envs(env.iter().map(|(k, v)| (*k, *v)))
        .env("RUST_LOG", "warn")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start servicefit");
    let deadline = Instant::now() + Duration::from_secs(30);
    let status = loop {
        if let Some(status) = child.try_wait().expect("wait") {
            break status;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!("servicefit {args:?} started instead of refusing the brand");
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let mut stderr = String::new();
    std::io::Read::read_to_string(&mut child.stderr.take().unwrap(), &mut stderr).unwrap();
    (status, stderr)
}

/// A brand file in `dir` from the example with `key` set to `value` (a TOML value), or the key
/// added when the example lacks it.
fn brand_with(dir: &Path, key: &str, value: &str) -> PathBuf {
    let example = std::fs::read_to_string(example_brand()).unwrap();
    let mut lines: Vec<String> = example
        .lines()
        .filter(|l| !l.starts_with(&format!("{key} = ")))
        .map(|l| {
            if l.starts_with("logo = ") {
                // The logo beside the example, wherever this file is.
                let logo =
                    Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/brand-logo.example.svg");
                format!("logo = {:?}", logo.display().to_string())
            } else {
                l.to_owned()
            }
        })
        .collect();
    if !value.is_empty() {
        lines.push(format!("{key} = {value}"));
    }
    let path = dir.join("brand.toml");
    std::fs::write(&path, lines.join("\n")).unwrap();
    path
}

#[test]
fn a_bad_brand_file_stops_the_server_at_start_naming_the_key() {
    let dir = tempfile::tempdir().unwrap();
    let big = dir.path().join("big.png");
    let mut png = b"\x89PNG\r\n\x1a\n".to_vec();
    png.resize(600 * 1024, 0);
    std::fs::write(&big, &png).unwrap();
    let not_an_image = dir.path().join("logo.svg");
    std::fs::write(&not_an_image, "<html><body>hello</body></html>").unwrap();
    let cases: Vec<(String, String, Vec<&str>)> = vec![
        (
            "accent".into(),
            "\"#0b5cadff\"".into(),
            vec!["accent", "#rrggbb"],
        ),
        ("accent".into(), "\"red\"".into(), vec!["accent"]),
        // Gold is 1.31:1 on the page's cards, far short of 4.5:1.
        (
            "accent".into(),
            "\"#ffd700\"".into(),
            vec!["accent", "1.31:1", "4.5:1"],
        ),
        (
            "logo".into(),
            "\"no-such-logo.svg\"".into(),
            vec!["logo", "no-such-logo.svg"],
        ),
        (
            "logo".into(),
            format!("{:?}", big.display().to_string()),
            vec!["logo", "512 KB"],
        ),
        (
            "logo".into(),
            format!("{:?}", not_an_image.display().to_string()),
            vec!["logo", "PNG"],
        ),
        (
            "website".into(),
            "\"harbour-it.example\"".into(),
            vec!["website"],
        ),
        (
            "contact_email".into(),
            "\"advice\"".into(),
            vec!["contact_email"],
        ),
        ("colour".into(), "\"#0b5cad\"".into(), vec!["colour"]),
        ("name".into(), String::new(), vec!["name"]),
    ];
    for (key, value, expected) in &cases {
        let path = brand_with(dir.path(), key, value);
        let (status, stderr) = run_refused(dir.path(), &["--brand", path.to_str().unwrap()], &[]);
        assert!(!status.success(), "{key} = {value}");
        for word in expected {
            assert!(
                stderr.contains(word),
                "{key} = {value}: {word} not in {stderr}"
            );
        }
        assert!(stderr.contains("brand.toml"), "{stderr}");
        assert!(!stderr.contains("listening on"), "{stderr}");
    }
    // The environment variable is read the same way.
    let path = brand_with(dir.path(), "accent", "\"#ffd700\"");
    let (status, stderr) = run_refused(dir.path(), &[], &[("SERVICEFIT_BRAND", &path)]);
    assert!(!status.success());
    assert!(stderr.contains("1.31:1"), "{stderr}");
}

#[tokio::test]
async fn the_brand_is_read_from_the_environment_by_the_real_binary() {
    let dir = tempfile::tempdir().unwrap();
    let path = brand_with(dir.path(), "name", "\"Quay Computing\"");
    let mut child = Command::new(BIN)
        .args(["--bind", "127.0.0.1:0"])
        .arg("--database-url")
        .arg(format!("sqlite://{}", dir.path().join("test.db").display()))
        .env("SERVICEFIT_BRAND", &path)
        .env("RUST_LOG", "warn")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("start servicefit");
    servicefit::install_tls_provider();
    let stdout = child.stdout.take().unwrap();
    let base = BufReader::new(stdout)
        .lines()
        .map_while(Result::ok)
        .find_map(|l| l.strip_prefix("listening on ").map(str::to_owned));
    let html = match &base {
        Some(base) => reqwest::get(format!("{base}/"))
            .await
            .unwrap()
            .text()
            .await
            .unwrap(),
        None => String::new(),
    };
    let _ = child.kill();
    let _ = child.wait();
    assert!(base.is_some(), "the server did not start");
    assert!(between(&html, "<title>", "</title>").contains("Quay Computing"));
}
