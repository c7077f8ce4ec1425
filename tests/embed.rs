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
    assert_eq!(o["height"], 880);
    assert!(o["title"].as_str().unwrap().contains("Managed IT services"));
    let html = o["html"].as_str().unwrap();
    assert!(html.starts_with(&format!(
        r#"<iframe src="{PUBLIC_URL}/assessments/{id}/embed" width="560" height="880""#
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
        (Some(560), Some(880))
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
