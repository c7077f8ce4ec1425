//! Embedding: the framed result and questionnaire, their framing policy, the host script and
//! oEmbed.

mod common;

use common::{
    PUBLIC_URL, TestApp, advice_model_2, as_form, before_advice_model_2, dental_practice,
};

fn header<'a>(res: &'a reqwest::Response, name: &str) -> &'a str {
    res.headers()
        .get(name)
        .map(|v| v.to_str().unwrap())
        .unwrap_or_default()
}

async fn created_id(app: &TestApp) -> String {
    app.create(&dental_practice()).await["id"]
        .as_str()
        .unwrap()
        .to_owned()
}

fn assert_frameable_by(res: &reqwest::Response, ancestors: &str) {
    let csp = header(res, "content-security-policy");
    assert!(
        csp.ends_with(&format!("frame-ancestors {ancestors}")),
        "{}: {csp}",
        res.url()
    );
    assert!(
        res.headers().get("x-frame-options").is_none(),
        "{}",
        res.url()
    );
}

fn assert_unframeable(res: &reqwest::Response) {
    assert!(
        header(res, "content-security-policy").contains("frame-ancestors 'none'"),
        "{}",
        res.url()
    );
    assert_eq!(header(res, "x-frame-options"), "DENY", "{}", res.url());
}

/// Every `<script>` has a `src` and no element has a `style` attribute: the CSP allows neither.
fn assert_no_inline_code(html: &str) {
    for (i, _) in html.match_indices("<script") {
        let tag_end = i + html[i..].find('>').unwrap();
        assert!(html[i..tag_end].contains(" src="), "inline script");
    }
    assert!(!html.contains(" style="), "inline style");
    assert!(!html.contains("<style"), "inline style");
}

fn attr_after<'a>(html: &'a str, marker: &str) -> &'a str {
    let start = html
        .find(marker)
        .unwrap_or_else(|| panic!("{marker} missing"))
        + marker.len();
    let end = start + html[start..].find('"').unwrap();
    &html[start..end]
}

#[tokio::test]
async fn embed_pages_may_be_framed_by_any_origin_when_none_are_configured() {
    let app = TestApp::spawn().await;
    let id = created_id(&app).await;
    for path in [
        format!("/assessments/{id}/embed"),
        "/assess/embed".to_owned(),
    ] {
        let res = app.get(&path).await;
        assert_eq!(res.status(), 200);
        assert_frameable_by(&res, "*");
    }
}

#[tokio::test]
async fn embed_pages_may_be_framed_only_by_the_configured_origins() {
    let app = TestApp::spawn_with(|c| {
        c.embed_origins = vec![
            "https://msp.example".parse().unwrap(),
            "http://localhost:8080".parse().unwrap(),
        ];
    })
    .await;
    let id = created_id(&app).await;
    let res = app.get(&format!("/assessments/{id}/embed")).await;
    assert_frameable_by(&res, "https://msp.example http://localhost:8080");
    // The embed policy still forbids inline code.
    assert!(header(&res, "content-security-policy").contains("script-src 'self'"));
}

#[tokio::test]
async fn every_other_page_refuses_framing() {
    let app = TestApp::spawn().await;
    let id = created_id(&app).await;
    let oembed = format!("/oembed?url={PUBLIC_URL}/assessments/{id}");
    for path in [
        "/".to_owned(),
        "/assess".to_owned(),
        format!("/assessments/{id}"),
        format!("/api/v1/assessments/{id}"),
        oembed,
        "/embed.js".to_owned(),
        "/assessments/aaaaaaaaaaaaaaaaaaaaaa".to_owned(),
        "/nope".to_owned(),
    ] {
        assert_unframeable(&app.get(&path).await);
    }
}

#[tokio::test]
async fn the_embedded_result_shows_verdict_factors_chart_and_a_link_to_the_full_reasoning() {
    let app = TestApp::spawn().await;
    let id = created_id(&app).await;
    let res = app.get(&format!("/assessments/{id}/embed")).await;
    assert_eq!(res.status(), 200);
    let html = res.text().await.unwrap();
    assert!(html.contains("Managed IT services"));
    assert!(html.contains("Confidence:"));
    assert_eq!(html.matches(r#"<li class="factor "#).count(), 3);
    assert!(html.contains(r#"class="cost-chart""#));
    assert!(html.contains(&format!(
        r#"<a href="/assessments/{id}" target="_blank" rel="noopener">See the full reasoning"#
    )));
    // No site chrome inside someone else's page.
    assert!(!html.contains(r#"<header class="site""#));
    assert!(!html.contains(r#"<footer class="site""#));
    assert!(!html.contains("<nav"));
    assert_no_inline_code(&html);
}

#[tokio::test]
async fn an_unknown_result_has_no_embed() {
    let app = TestApp::spawn().await;
    let res = app.get("/assessments/aaaaaaaaaaaaaaaaaaaaaa/embed").await;
    assert_eq!(res.status(), 404);
}

#[tokio::test]
async fn the_embedded_result_reports_its_height_with_a_served_script() {
    let app = TestApp::spawn().await;
    let id = created_id(&app).await;
    let html = app
        .get(&format!("/assessments/{id}/embed"))
        .await
        .text()
        .await
        .unwrap();
    let src = attr_after(&html, r#"<script src=""#);
    let res = app.get(src).await;
    assert_eq!(res.status(), 200);
    assert!(header(&res, "content-type").starts_with("text/javascript"));
    let js = res.text().await.unwrap();
    assert!(js.contains(r#"type: "servicefit:height""#));
    assert!(js.contains("ResizeObserver"));
}

#[tokio::test]
async fn the_host_script_is_javascript_that_only_trusts_the_servicefit_origin() {
    let app = TestApp::spawn().await;
    let res = app.get("/embed.js").await;
    assert_eq!(res.status(), 200);
    assert!(header(&res, "content-type").starts_with("text/javascript"));
    let js = res.text().await.unwrap();
    assert!(js.contains("event.origin !== origin"));
    assert!(js.contains("contentWindow === event.source"));
}

#[tokio::test]
async fn oembed_answers_a_rich_iframe_for_a_result_of_this_server() {
    let app = TestApp::spawn().await;
    let id = created_id(&app).await;
    let res = app
        .get(&format!(
            "/oembed?url={PUBLIC_URL}/assessments/{id}&format=json"
        ))
        .await;
    assert_eq!(res.status(), 200);
    assert!(header(&res, "content-type").starts_with("application/json"));
    let o: serde_json::Value = res.json().await.unwrap();
    assert_eq!(o["type"], "rich");
    assert_eq!(o["version"], "1.0");
    assert_eq!(o["provider_name"], "servicefit");
    assert_eq!(o["provider_url"], PUBLIC_URL);
    assert_eq!(o["width"], 560);
    assert_eq!(o["height"], 1300);
    assert!(o["title"].as_str().unwrap().contains("Managed IT services"));
    let html = o["html"].as_str().unwrap();
    assert!(html.starts_with(&format!(
        r#"<iframe src="{PUBLIC_URL}/assessments/{id}/embed" width="560" height="1300""#
    )));
    assert!(html.ends_with(&format!(
        r#"<script src="{PUBLIC_URL}/embed.js" async></script>"#
    )));
}

#[tokio::test]
async fn oembed_keeps_within_maxwidth_and_maxheight() {
    let app = TestApp::spawn().await;
    let id = created_id(&app).await;
    let url = format!("{PUBLIC_URL}/assessments/{id}");
    let small: serde_json::Value = app
        .get(&format!("/oembed?url={url}&maxwidth=300&maxheight=400"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        (small["width"].as_u64(), small["height"].as_u64()),
        (Some(300), Some(400))
    );
    assert!(
        small["html"]
            .as_str()
            .unwrap()
            .contains(r#"width="300" height="400""#)
    );
    let large: serde_json::Value = app
        .get(&format!("/oembed?url={url}&maxwidth=2000&maxheight=5000"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        (large["width"].as_u64(), large["height"].as_u64()),
        (Some(560), Some(1300))
    );
}

#[tokio::test]
async fn oembed_refuses_xml_foreign_urls_unknown_ids_and_garbage() {
    let app = TestApp::spawn().await;
    let id = created_id(&app).await;
    let cases = [
        (format!("url={PUBLIC_URL}/assessments/{id}&format=xml"), 501),
        (
            format!("url=https://elsewhere.example/assessments/{id}"),
            404,
        ),
        (
            format!("url={PUBLIC_URL}/assessments/aaaaaaaaaaaaaaaaaaaaaa"),
            404,
        ),
        (format!("url={PUBLIC_URL}/assess"), 404),
        ("format=json".to_owned(), 400),
        ("url=not%20a%20url".to_owned(), 400),
        (
            format!("url={PUBLIC_URL}/assessments/{id}&maxwidth=wide"),
            400,
        ),
    ];
    for (query, status) in cases {
        let res = app.get(&format!("/oembed?{query}")).await;
        assert_eq!(res.status(), status, "{query}");
        let body: serde_json::Value = res.json().await.unwrap();
        assert!(body["errors"][0]["message"].is_string(), "{query}");
    }
}

#[tokio::test]
async fn the_results_page_offers_the_snippet_and_oembed_discovery() {
    let app = TestApp::spawn().await;
    let id = created_id(&app).await;
    let html = app
        .get(&format!("/assessments/{id}"))
        .await
        .text()
        .await
        .unwrap();
    let href = attr_after(
        &html,
        r#"<link rel="alternate" type="application/json+oembed" href=""#,
    )
    .replace("&#38;", "&");
    let discovered = app.get(href.strip_prefix(PUBLIC_URL).unwrap()).await;
    assert_eq!(discovered.status(), 200);
    assert!(html.contains(r#"<label for="embed-snippet">"#));
    assert!(html.contains(r#"<textarea id="embed-snippet" class="snippet" readonly"#));
    // The snippet is text inside the field, escaped, not markup of the page.
    assert!(html.contains(&format!(
        "&#60;iframe src=&#34;{PUBLIC_URL}/assessments/{id}/embed&#34;"
    )));
    assert_no_inline_code(&html);
    // The copy button comes from a served script.
    let copy = html.find("/static/copy.").expect("copy script");
    let end = copy + html[copy..].find('"').unwrap();
    let res = app.get(&html[copy..end]).await;
    assert!(header(&res, "content-type").starts_with("text/javascript"));
}

#[tokio::test]
async fn the_embedded_questionnaire_posts_to_itself_without_site_chrome() {
    let app = TestApp::spawn().await;
    let html = app.get("/assess/embed").await.text().await.unwrap();
    assert!(html.contains(r#"<form method="post" action="/assess/embed""#));
    assert!(html.contains(r#"name="employees""#));
    assert!(!html.contains(r#"<header class="site""#));
    assert_no_inline_code(&html);
}

#[tokio::test]
async fn a_valid_embedded_submission_lands_on_the_embedded_result() {
    let app = TestApp::spawn().await;
    let pairs = as_form(&dental_practice());
    let pairs: Vec<(&str, &str)> = pairs
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    let res = app.post_form("/assess/embed", &pairs).await;
    assert_eq!(res.status(), 303);
    let location = header(&res, "location").to_owned();
    assert!(location.starts_with("/assessments/") && location.ends_with("/embed"));
    let page = app.get(&location).await;
    assert_eq!(page.status(), 200);
    assert_frameable_by(&page, "*");
}

#[tokio::test]
async fn an_invalid_embedded_submission_shows_the_embedded_form_again_with_422() {
    let app = TestApp::spawn().await;
    let res = app
        .post_form(
            "/assess/embed",
            &[("company", "Harbour <Dental>"), ("employees", "0")],
        )
        .await;
    assert_eq!(res.status(), 422);
    assert_frameable_by(&res, "*");
    let html = res.text().await.unwrap();
    assert!(html.contains(r#"action="/assess/embed""#));
    assert!(html.contains(r#"value="Harbour &#60;Dental&#62;""#));
    assert!(html.contains(r#"id="error-employees""#));
    assert!(!html.contains(r#"<header class="site""#));
}

#[tokio::test]
async fn the_questionnaire_with_embed_1_sends_to_the_embedded_questionnaire() {
    let app = TestApp::spawn().await;
    let res = app.get("/assess?embed=1").await;
    assert_eq!(res.status(), 303);
    assert_eq!(header(&res, "location"), "/assess/embed");
    let themed = app
        .get("/assess?embed=1&theme=dark&accent=%23c2410c&company=x")
        .await;
    assert_eq!(themed.status(), 303);
    assert_eq!(
        header(&themed, "location"),
        "/assess/embed?theme=dark&accent=%23c2410c"
    );
    let plain = app.get("/assess?embed=0").await;
    assert_eq!(plain.status(), 200);
    assert_unframeable(&plain);
}

#[tokio::test]
async fn the_embedded_result_shows_the_summary_the_answers_to_check_and_co_managed_costs() {
    let app = TestApp::spawn().await;
    let id = app.create_crafted(&dental_practice(), advice_model_2).await;
    let html = app
        .get(&format!("/assessments/{id}/embed"))
        .await
        .text()
        .await
        .unwrap();
    assert!(html.contains(
        r#"<p class="verdict-summary">Managed IT fits &#60;Harbour &#38; Sons&#62;: it costs about $8,900 a year more &#34;and&#34; buys fixed bills.</p>"#
    ));
    assert!(html.contains(r#"<h2 id="check-title">Please check these answers</h2>"#));
    assert!(
        html.contains("That is &#60;b&#62;more&#60;/b&#62; than two problems a person a month.")
    );
    assert!(html.find("check-answers").unwrap() < html.find("What weighed most").unwrap());
    assert!(html.contains("band-cm"));
    assert!(html.contains(r#"class="tail""#));
    assert_no_inline_code(&html);

    let older = app
        .create_crafted(&dental_practice(), before_advice_model_2)
        .await;
    let html = app
        .get(&format!("/assessments/{older}/embed"))
        .await
        .text()
        .await
        .unwrap();
    for absent in [
        "verdict-summary",
        "check-answers",
        "band-cm",
        r#"class="tail""#,
    ] {
        assert!(!html.contains(absent), "{absent}");
    }
}

/// `data-theme` on the embed page's `<html>`.
fn theme_of(html: &str) -> &str {
    attr_after(html, r#"<html lang="en" class="embed" data-theme=""#)
}

/// The accent stylesheet an embed page links, if any.
fn accent_href(html: &str) -> Option<&str> {
    html.contains(r#"href="/embed/accent/"#)
        .then(|| attr_after(html, r#"<link rel="stylesheet" href="/embed/accent/"#))
}

/// The relative luminance and contrast ratio of WCAG 2, computed here independently of the
/// server's own arithmetic.
fn contrast(a: &str, b: &str) -> f64 {
    let lum = |hex: &str| {
        let c = |i: usize| {
            let v = f64::from(u8::from_str_radix(&hex[i..i + 2], 16).unwrap()) / 255.0;
            if v <= 0.04045 {
                v / 12.92
            } else {
                ((v + 0.055) / 1.055).powf(2.4)
            }
        };
        0.2126 * c(0) + 0.7152 * c(2) + 0.0722 * c(4)
    };
    let (x, y) = (lum(a), lum(b));
    (x.max(y) + 0.05) / (x.min(y) + 0.05)
}

/// The `--accent` a rule of the accent stylesheet sets, for the rule that starts with `selector`.
fn accent_in<'a>(css: &'a str, selector: &str) -> &'a str {
    let rule = &css[css
        .find(selector)
        .unwrap_or_else(|| panic!("{selector}: {css}"))..];
    let start = rule.find("--accent: #").expect("--accent") + "--accent: #".len();
    &rule[start..start + 6]
}

#[tokio::test]
async fn the_embedded_result_is_light_unless_the_host_asks_otherwise() {
    let app = TestApp::spawn().await;
    let id = created_id(&app).await;
    for (query, theme, scheme) in [
        ("", "light", "light"),
        ("?theme=light", "light", "light"),
        ("?theme=dark", "dark", "dark"),
        ("?theme=auto", "auto", "light dark"),
        ("?theme=Dark", "dark", "dark"),
        ("?theme=", "light", "light"),
    ] {
        let res = app.get(&format!("/assessments/{id}/embed{query}")).await;
        assert_eq!(res.status(), 200, "{query}");
        assert_frameable_by(&res, "*");
        let html = res.text().await.unwrap();
        assert_eq!(theme_of(&html), theme, "{query}");
        assert_eq!(
            attr_after(&html, r#"<meta name="color-scheme" content=""#),
            scheme,
            "{query}"
        );
        assert_eq!(accent_href(&html), None, "{query}");
        assert_no_inline_code(&html);
    }
}

#[tokio::test]
async fn the_stylesheet_forces_each_theme_without_inline_styles() {
    let app = TestApp::spawn().await;
    let id = created_id(&app).await;
    let html = app
        .get(&format!("/assessments/{id}/embed?theme=dark"))
        .await
        .text()
        .await
        .unwrap();
    let css = app
        .get(attr_after(&html, r#"<link rel="stylesheet" href=""#))
        .await
        .text()
        .await
        .unwrap();
    // Light is kept out of the viewer's dark preference; dark applies whatever it is. Both
    // flip the switches that choose each colour's dark value.
    assert!(css.contains(
        "@media (prefers-color-scheme: dark) {\n  :root:not([data-theme=\"light\"]) { --light: ; --dark: initial; }"
    ));
    assert!(css.contains(":root[data-theme=\"light\"] { color-scheme: light; }"));
    assert!(css.contains(
        ":root[data-theme=\"dark\"] { color-scheme: dark; --light: ; --dark: initial; }"
    ));
    assert!(css.contains("--bg: var(--light, #ffffff) var(--dark, #11151c);"));
}

#[tokio::test]
async fn an_unknown_theme_or_a_malformed_accent_is_refused_with_400_and_a_reason() {
    let app = TestApp::spawn().await;
    let id = created_id(&app).await;
    for (query, reason) in [
        ("theme=sepia", "theme must be light, dark or auto"),
        ("theme=light%20dark", "theme must be light, dark or auto"),
        ("accent=12345", "accent must be a colour as six hex digits"),
        (
            "accent=1234567",
            "accent must be a colour as six hex digits",
        ),
        ("accent=red", "accent must be a colour as six hex digits"),
        (
            "accent=%23%23123456",
            "accent must be a colour as six hex digits",
        ),
        ("accent=zz0000", "accent must be a colour as six hex digits"),
    ] {
        for path in [
            format!("/assessments/{id}/embed?{query}"),
            format!("/assess/embed?{query}"),
        ] {
            let res = app.get(&path).await;
            assert_eq!(res.status(), 400, "{path}");
            // The error shows in the host's frame, where its developer sees it.
            assert_frameable_by(&res, "*");
            let html = res.text().await.unwrap();
            assert!(html.contains(reason), "{path}: {html}");
        }
    }
}

#[tokio::test]
async fn an_accent_with_or_without_hash_links_one_stylesheet() {
    let app = TestApp::spawn().await;
    let id = created_id(&app).await;
    let mut hrefs = Vec::new();
    for query in [
        "accent=1F5FBF",
        "accent=%231f5fbf",
        "accent=1f5fbf&theme=auto",
    ] {
        let res = app.get(&format!("/assessments/{id}/embed?{query}")).await;
        assert_eq!(res.status(), 200, "{query}");
        let html = res.text().await.unwrap();
        // After the site's stylesheet, so its rules win.
        let site = html.find("/static/app.").unwrap();
        let accent = html.find("/embed/accent/").expect("accent stylesheet");
        assert!(site < accent, "{query}");
        assert_no_inline_code(&html);
        hrefs.push(accent_href(&html).unwrap().to_owned());
    }
    assert!(hrefs[0].starts_with("1f5fbf.css?v="), "{}", hrefs[0]);
    assert!(hrefs.iter().all(|h| *h == hrefs[0]), "{hrefs:?}");
}

#[tokio::test]
async fn the_accent_stylesheet_is_css_cached_for_a_year() {
    let app = TestApp::spawn().await;
    let res = app.get("/embed/accent/1f5fbf.css").await;
    assert_eq!(res.status(), 200);
    assert_eq!(header(&res, "content-type"), "text/css; charset=utf-8");
    assert_eq!(
        header(&res, "cache-control"),
        "public, max-age=31536000, immutable"
    );
    let css = res.text().await.unwrap();
    assert!(!css.contains('<'), "{css}");
    // Readable as given on the light page and its cards: kept.
    assert_eq!(accent_in(&css, ":root[data-theme] {"), "1f5fbf");
    assert!(css.contains(":root[data-theme] { --accent: #1f5fbf; --accent-text: #ffffff; }"));
    // Too dark for the dark page: lightened there, for forced dark and for auto in the dark.
    let dark = accent_in(&css, ":root[data-theme=\"dark\"] {");
    assert_ne!(dark, "1f5fbf");
    assert!(contrast(dark, "11151c") >= 4.5 && contrast(dark, "1b212b") >= 4.5);
    let auto_dark = &css[css.find("@media (prefers-color-scheme: dark)").unwrap()..];
    assert_eq!(accent_in(auto_dark, ":root[data-theme=\"auto\"] {"), dark);
    assert!(css.contains("#1f5fbf as given"), "{css}");

    for name in [
        "1F5FBF.css",
        "1f5fbf",
        "1f5fb.css",
        "%231f5fbf.css",
        "1f5fbf.js",
    ] {
        let res = app.get(&format!("/embed/accent/{name}")).await;
        assert_eq!(res.status(), 404, "{name}");
    }
}

#[tokio::test]
async fn a_low_contrast_accent_is_darkened_or_lightened_to_4_5_to_1() {
    let app = TestApp::spawn().await;
    // Gold: 1.3:1 on the light page's cards, plenty on the dark page.
    let css = app
        .get("/embed/accent/ffd700.css")
        .await
        .text()
        .await
        .unwrap();
    let light = accent_in(&css, ":root[data-theme] {");
    assert_ne!(light, "ffd700");
    for bg in ["ffffff", "f5f7fa"] {
        let ratio = contrast(light, bg);
        assert!((4.5..5.0).contains(&ratio), "{light} on {bg}: {ratio}");
    }
    assert_eq!(accent_in(&css, ":root[data-theme=\"dark\"] {"), "ffd700");
    // Dark ink on gold buttons, white on the darkened gold.
    assert!(
        css.contains("--accent: #ffd700; --accent-text: #0b1220;"),
        "{css}"
    );
    assert!(css.contains(&format!("--accent: #{light}; --accent-text: #ffffff;")));
    // The measured ratio is there for the host's developer.
    assert!(css.contains("#ffd700 has 1.31:1"), "{css}");

    // Navy: fine on white, lightened on the dark page.
    let css = app
        .get("/embed/accent/001f3f.css")
        .await
        .text()
        .await
        .unwrap();
    assert_eq!(accent_in(&css, ":root[data-theme] {"), "001f3f");
    let dark = accent_in(&css, ":root[data-theme=\"dark\"] {");
    assert!(contrast(dark, "1b212b") >= 4.5, "{dark}");
}

#[tokio::test]
async fn the_embedded_questionnaire_keeps_the_look_through_a_submission() {
    let app = TestApp::spawn().await;
    let html = app
        .get("/assess/embed?theme=dark&accent=%23C2410C")
        .await
        .text()
        .await
        .unwrap();
    assert_eq!(theme_of(&html), "dark");
    assert!(accent_href(&html).unwrap().starts_with("c2410c.css?v="));
    assert!(
        html.contains(r#"<form method="post" action="/assess/embed?theme=dark&#38;accent=c2410c""#)
    );
    assert_no_inline_code(&html);

    let invalid = app
        .post_form(
            "/assess/embed?theme=dark&accent=c2410c",
            &[("employees", "0")],
        )
        .await;
    assert_eq!(invalid.status(), 422);
    let html = invalid.text().await.unwrap();
    assert_eq!(theme_of(&html), "dark");
    assert!(accent_href(&html).is_some());

    let pairs = as_form(&dental_practice());
    let pairs: Vec<(&str, &str)> = pairs
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    let res = app
        .post_form("/assess/embed?theme=dark&accent=c2410c", &pairs)
        .await;
    assert_eq!(res.status(), 303);
    let location = header(&res, "location").to_owned();
    assert!(
        location.ends_with("/embed?theme=dark&accent=c2410c"),
        "{location}"
    );
    let html = app.get(&location).await.text().await.unwrap();
    assert_eq!(theme_of(&html), "dark");
}

#[tokio::test]
async fn oembed_carries_theme_and_accent_from_the_url_into_the_iframe() {
    let app = TestApp::spawn().await;
    let id = created_id(&app).await;
    let url = format!("{PUBLIC_URL}/assessments/{id}?theme=auto&accent=%2300FF88");
    let query = serde_urlencoded::to_string([("url", url.as_str())]).unwrap();
    let res = app.get(&format!("/oembed?{query}")).await;
    assert_eq!(res.status(), 200);
    let o: serde_json::Value = res.json().await.unwrap();
    let html = o["html"].as_str().unwrap();
    assert!(
        html.starts_with(&format!(
            r#"<iframe src="{PUBLIC_URL}/assessments/{id}/embed?theme=auto&#38;accent=00ff88" width="560""#
        )),
        "{html}"
    );
    // The address in the snippet is a page that answers in that look.
    let res = app
        .get(&format!("/assessments/{id}/embed?theme=auto&accent=00ff88"))
        .await;
    assert_eq!(res.status(), 200);

    // The default look adds nothing to the address.
    let plain = format!("{PUBLIC_URL}/assessments/{id}?theme=light");
    let query = serde_urlencoded::to_string([("url", plain.as_str())]).unwrap();
    let o: serde_json::Value = app
        .get(&format!("/oembed?{query}"))
        .await
        .json()
        .await
        .unwrap();
    assert!(
        o["html"]
            .as_str()
            .unwrap()
            .contains(&format!("/{id}/embed\" width"))
    );

    let bad = format!("{PUBLIC_URL}/assessments/{id}?theme=neon");
    let query = serde_urlencoded::to_string([("url", bad.as_str())]).unwrap();
    let res = app.get(&format!("/oembed?{query}")).await;
    assert_eq!(res.status(), 400);
    let body: serde_json::Value = res.json().await.unwrap();
    assert!(
        body["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("theme must be light, dark or auto")
    );
}

#[tokio::test]
async fn the_embed_policy_still_forbids_inline_styles_and_scripts_with_a_look() {
    let app = TestApp::spawn().await;
    let id = created_id(&app).await;
    for path in [
        format!("/assessments/{id}/embed?theme=dark&accent=ffd700"),
        "/assess/embed?theme=auto&accent=ffd700".to_owned(),
    ] {
        let res = app.get(&path).await;
        let csp = header(&res, "content-security-policy");
        assert!(csp.contains("style-src 'self'"), "{csp}");
        assert!(csp.contains("script-src 'self'"), "{csp}");
        assert!(!csp.contains("unsafe-inline"), "{csp}");
        assert_no_inline_code(&res.text().await.unwrap());
    }
}

#[tokio::test]
async fn the_embedded_result_has_the_summary_card_of_the_results_page() {
    let app = TestApp::spawn().await;
    let id = app.create_crafted(&dental_practice(), advice_model_2).await;
    let card = |html: &str| -> String {
        let start = html
            .find(r#"<table class="card-costs">"#)
            .expect("card table");
        let end = start + html[start..].find("</div>").unwrap();
        html[start..end].to_owned()
    };
    let full = app
        .get(&format!("/assessments/{id}"))
        .await
        .text()
        .await
        .unwrap();
    let embed = app
        .get(&format!("/assessments/{id}/embed"))
        .await
        .text()
        .await
        .unwrap();
    let card_in_embed = card(&embed);
    // Each model's normal and bad year, the recommended one marked, the lever, a next step:
    // the same words and figures as the results page's card.
    assert!(card_in_embed.contains("<th scope=\"col\" class=\"num\">Average year</th>"));
    assert!(card_in_embed.contains(
        "<th scope=\"col\" class=\"num\">Bad year <span class=\"muted\">(1 in 10)</span></th>"
    ));
    assert_eq!(
        card_in_embed.matches("<tr class=\"recommended\">").count(),
        1
    );
    assert!(card_in_embed.contains("(recommended)"));
    assert!(
        card_in_embed.contains(r#"<p class="card-lever"><strong>What would change it:</strong>"#)
    );
    assert!(card_in_embed.contains(r#"<p class="card-next"><strong>Next step:</strong>"#));
    let squash = |s: &str| s.split_whitespace().collect::<Vec<_>>().join(" ");
    assert_eq!(squash(&card_in_embed), squash(&card(&full)));
    // The confidence and its sentence, as on the results page.
    let confidence = |html: &str| -> String {
        let start = html.find("<strong>Confidence:").expect("confidence");
        html[start..start + html[start..].find("</p>").unwrap()].to_owned()
    };
    assert!(confidence(&embed).ends_with(".</strong> Your answers point clearly one way."));
    assert_eq!(confidence(&embed), confidence(&full));
}
