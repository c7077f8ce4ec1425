//! The recommendation page and what stays true about a stored result.

mod common;

use common::{TestApp, advice_model_2, before_advice_model_2, dental_practice, tiny_studio};
use servicefit::rules::RuleSet;

#[tokio::test]
async fn the_recommendation_page_shows_verdict_reasons_money_changes_and_next_steps() {
    let app = TestApp::spawn().await;
    let created = app.create(&dental_practice()).await;
    let res = app
        .get(&format!("/assessments/{}", created["id"].as_str().unwrap()))
        .await;
    assert_eq!(res.status(), 200);
    let html = res.text().await.unwrap();
    assert!(html.contains("Managed IT services"));
    assert!(html.contains("Confidence:"));
    // Reasons as a chart and as text, each referring to the owner's answer.
    assert!(html.contains(r#"class="factor-chart""#));
    for f in created["factors"].as_array().unwrap() {
        let explanation = f["explanation"].as_str().unwrap();
        let escaped = explanation
            .replace('&', "&#38;")
            .replace('\'', "&#39;")
            .replace('"', "&#34;")
            .replace('<', "&#60;")
            .replace('>', "&#62;");
        assert!(
            html.contains(&escaped),
            "explanation missing: {explanation}"
        );
    }
    // The money: chart, table, break-even and assumptions.
    assert!(html.contains(r#"class="cost-chart""#));
    assert!(html.contains("Bad year"));
    assert!(html.contains("Break-even fee"));
    assert!(html.contains("Every assumption used"));
    assert!(html.contains("What would change the verdict"));
    assert!(html.contains("Next steps for Managed IT services"));
    assert!(html.contains("service-level agreement"));
}

#[tokio::test]
async fn the_first_screen_is_a_summary_card_and_the_details_are_folded() {
    let app = TestApp::spawn().await;
    let created = app.create(&dental_practice()).await;
    let id = created["id"].as_str().unwrap();
    let html = app
        .get(&format!("/assessments/{id}"))
        .await
        .text()
        .await
        .unwrap();
    let start = html.find(r#"<div class="verdict"#).unwrap();
    let card = &html[start..start + html[start..].find("</div>").unwrap()];
    // The verdict, the sentence, each model's normal and bad year in dollars, the nearest lever
    // and one next step; no score.
    assert!(card.contains("Managed IT services"));
    let summary = created["summary"].as_str().unwrap().replace('\'', "&#39;");
    assert!(card.contains(&summary), "{card}");
    for model in ["break_fix", "managed"] {
        let normal = created["costs"][model]["expected_annual"].as_f64().unwrap();
        let bad = created["costs"][model]["p90"].as_f64().unwrap();
        assert!(
            card.contains(&servicefit::rules::money(normal)),
            "{model} normal year"
        );
        assert!(
            card.contains(&servicefit::rules::money(bad)),
            "{model} bad year"
        );
    }
    assert!(card.contains(r#"<tr class="recommended"><th scope="row">Managed"#));
    assert!(card.contains("What would change it:"));
    let first = created["what_would_change"][0]["description"]
        .as_str()
        .unwrap();
    assert!(card.contains(first.trim_end_matches('.')), "{card}");
    assert!(card.contains("Next step:"));
    assert!(
        !card.contains("score"),
        "the score belongs to the reasoning"
    );

    // Why, then what would change it, then the money.
    let at = |s: &str| html.find(s).unwrap_or_else(|| panic!("{s}"));
    assert!(at(r#"id="why""#) < at(r#"id="change""#));
    assert!(at(r#"id="change""#) < at(r#"id="money""#));
    // The arithmetic, the assumptions and what the models mean are folded, not open.
    for class in ["arithmetic-details", "assumptions", "models-details"] {
        assert!(
            html.contains(&format!(r#"<details class="{class}">"#)),
            "{class}"
        );
    }
    // Every scrolling table can be reached by keyboard and has a name.
    assert!(!html.contains(r#"class="table-scroll">"#));
    // The end helps: the page's own address to copy, print, and the embed folded away.
    assert!(html.contains(&format!(r#"/assessments/{id}" data-copy="Copy the link""#)));
    assert!(html.contains("data-print hidden"));
    assert!(html.contains(r#"<details class="embed-details" id="embed">"#));
}

#[tokio::test]
async fn a_break_fix_result_gives_break_fix_next_steps() {
    let app = TestApp::spawn().await;
    let created = app.create(&tiny_studio()).await;
    assert_eq!(created["recommendation"], "break_fix");
    let html = app
        .get(&format!("/assessments/{}", created["id"].as_str().unwrap()))
        .await
        .text()
        .await
        .unwrap();
    assert!(html.contains("Next steps for Break/fix"));
}

#[tokio::test]
async fn an_unknown_or_malformed_id_gets_a_404_page() {
    let app = TestApp::spawn().await;
    for path in [
        "/assessments/AAAAAAAAAAAAAAAAAAAAAA",
        "/assessments/%2e%2e%2fetc%2fpasswd",
        "/assessments/' OR 1=1 --",
        "/nope",
    ] {
        let res = app.get(path).await;
        assert_eq!(res.status(), 404, "{path}");
        assert!(
            res.headers()["content-type"]
                .to_str()
                .unwrap()
                .starts_with("text/html")
        );
        assert!(res.text().await.unwrap().contains("Page not found"));
    }
}

#[tokio::test]
async fn a_stored_result_never_changes_when_the_rules_do() {
    let app = TestApp::spawn().await;
    let created = app.create(&dental_practice()).await;
    let id = created["id"].as_str().unwrap().to_owned();
    let page_before = app
        .get(&format!("/assessments/{id}"))
        .await
        .text()
        .await
        .unwrap();
    let json_before = app
        .get(&format!("/api/v1/assessments/{id}"))
        .await
        .bytes()
        .await
        .unwrap();

    // New rules: another version, a managed fee twice as high and money weighing a sixth as
    // much, which change the costs and the score of these very answers.
    let text = include_str!("../rules/rules.toml");
    let version = RuleSet::embedded().version;
    let changed = [
        (
            format!("version = \"{version}\""),
            "version = \"test-changed\"",
        ),
        (
            "fee_per_user = { value = 125.0,".to_owned(),
            "fee_per_user = { value = 250.0,",
        ),
        ("weight = 6.0".to_owned(), "weight = 1.0"),
    ]
    .iter()
    .fold(text.to_owned(), |text, (from, to)| {
        assert_eq!(text.matches(from.as_str()).count(), 1, "{from}");
        text.replacen(from.as_str(), to, 1)
    });
    let changed = RuleSet::from_toml_str(&changed).expect("changed rules parse");
    assert_eq!(changed.version, "test-changed");
    assert_eq!(changed.costs.managed.fee_per_user.value, 250.0);
    let app = app.restart_with_rules(changed).await;

    let res = app.get(&format!("/api/v1/assessments/{id}")).await;
    let json_after = res.bytes().await.unwrap();
    assert_eq!(json_after, json_before, "the stored JSON, byte for byte");
    let page_after = app
        .get(&format!("/assessments/{id}"))
        .await
        .text()
        .await
        .unwrap();
    assert_eq!(page_before, page_after);

    // The same answers under the new rules: another version, fee, score and costs.
    let fresh = app.create(&dental_practice()).await;
    assert_eq!(fresh["rules_version"], "test-changed");
    assert_eq!(fresh["answers"]["managed_fee_per_user"], 250.0);
    assert_eq!(created["answers"]["managed_fee_per_user"], 125.0);
    assert_ne!(fresh["score"], created["score"]);
    assert_ne!(fresh["costs"], created["costs"]);
    let fresh_page = app
        .get(&format!("/assessments/{}", fresh["id"].as_str().unwrap()))
        .await
        .text()
        .await
        .unwrap();
    assert!(fresh_page.contains("$250"), "the new fee is shown");
    assert!(
        !page_after.contains("$250"),
        "the stored result keeps its fee"
    );
}

#[tokio::test]
async fn pages_refuse_framing_and_sniffing() {
    let app = TestApp::spawn().await;
    for path in ["/", "/assess", "/nope"] {
        let res = app.get(path).await;
        let h = res.headers();
        assert_eq!(h["x-frame-options"], "DENY", "{path}");
        assert!(
            h["content-security-policy"]
                .to_str()
                .unwrap()
                .contains("frame-ancestors 'none'")
        );
        assert_eq!(h["x-content-type-options"], "nosniff");
    }
}

#[tokio::test]
async fn the_stylesheet_is_versioned_and_cached_for_a_year() {
    let app = TestApp::spawn().await;
    let html = app.get("/").await.text().await.unwrap();
    let start = html.find("/static/app.").expect("stylesheet link");
    let end = start + html[start..].find('"').unwrap();
    let res = app.get(&html[start..end]).await;
    assert_eq!(res.status(), 200);
    assert!(
        res.headers()["cache-control"]
            .to_str()
            .unwrap()
            .contains("immutable")
    );
    assert!(
        res.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/css")
    );
    assert!(res.text().await.unwrap().contains("@media print"));
    assert_eq!(app.get("/static/app.00000000.css").await.status(), 404);
}

#[tokio::test]
async fn health_check_reports_the_database() {
    let app = TestApp::spawn().await;
    let res = app.get("/healthz").await;
    assert_eq!(res.status(), 200);
}

#[tokio::test]
async fn an_acknowledged_submission_is_already_in_the_database_file() {
    let app = TestApp::spawn().await;
    let created = app.create(&tiny_studio()).await;
    // A pool of its own, as another process would open it.
    let pool = app.db().await;
    let (count,): (i64,) = servicefit::on_pool!(&pool, pool => sqlx::query_as("SELECT COUNT(*) FROM assessments WHERE id = $1")
        .bind(created["id"].as_str().unwrap())
        .fetch_one(pool)
        .await
        .unwrap());
    assert_eq!(count, 1);
}

/// The page's text between `start` and the next `end`, so an assertion looks at one place.
fn between<'a>(html: &'a str, start: &str, end: &str) -> &'a str {
    let from = html
        .find(start)
        .unwrap_or_else(|| panic!("{start} missing"));
    let rest = &html[from..];
    &rest[..rest
        .find(end)
        .unwrap_or_else(|| panic!("{end} missing after {start}"))]
}

#[tokio::test]
async fn a_result_with_a_summary_warnings_a_tail_and_co_managed_costs_shows_them_escaped() {
    let app = TestApp::spawn().await;
    let id = app.create_crafted(&dental_practice(), advice_model_2).await;
    let res = app.get(&format!("/assessments/{id}")).await;
    assert_eq!(res.status(), 200);
    let html = res.text().await.unwrap();

    // The summary stands under the verdict, escaped.
    let verdict = between(&html, r#"<div class="verdict"#, "</div>");
    assert!(
        verdict.contains(
            r#"<p class="verdict-summary">Managed IT fits &#60;Harbour &#38; Sons&#62;: it costs about $8,900 a year more &#34;and&#34; buys fixed bills.</p>"#
        ),
        "{verdict}"
    );
    assert!(!html.contains("<Harbour"));

    // The odd answers, named by their question, before the reasons.
    let check = between(&html, r#"<section class="check-answers""#, "</section>");
    assert!(check.contains(r#"<h2 id="check-title">Please check these answers</h2>"#));
    assert!(check.contains(
        "<li><strong>IT problems a month:</strong> That is &#60;b&#62;more&#60;/b&#62; than two problems a person a month.</li>"
    ), "{check}");
    assert!(
        check.contains("<li>The break-even fee is far outside what providers charge.</li>"),
        "a warning about no single answer has no question: {check}"
    );
    assert!(html.find("check-answers").unwrap() < html.find(r#"id="why""#).unwrap());

    // Three models, money right-aligned, and the one-year-in-a-hundred column.
    let table = between(&html, r#"<table class="costs">"#, "</table>");
    assert!(table.contains(r#"<th scope="col" class="num">1 year in 100</th>"#));
    assert!(
        table.contains(r#"<td class="num">$91,234</td></tr>"#),
        "{table}"
    );
    assert!(table.contains(
        r#"<tr><th scope="row">Co-managed</th><td class="num">$52,345</td><td class="num">$50,001</td><td class="num">$52,002</td><td class="num">$56,003</td><td class="num">$70,004</td></tr>"#
    ), "{table}");
    assert!(html.contains("<caption>Co-managed: average year</caption>"));
    assert!(html.contains("Your IT person&#39;s time &#60;part-time&#62;"));

    // The chart draws the co-managed band and a whisker out to p99 for each model: a line and
    // a cap, or a line and an arrow when the p99 lies past the scale.
    let chart = between(&html, r#"class="cost-chart""#, "<figcaption>");
    assert!(chart.contains("Yearly cost of break/fix, managed and co-managed IT"));
    for model in ["bf", "ms", "cm"] {
        assert_eq!(
            chart
                .matches(&format!(r#"class="band band-{model}""#))
                .count(),
            1,
            "{model}"
        );
    }
    assert_eq!(
        chart.matches(r#"class="tail""#).count() + chart.matches(r#"class="tail-arrow""#).count(),
        6,
        "a line and a cap or an arrow per model"
    );
    assert!(chart.contains("Co-managed: average year $52,345; good year $50,001, normal year $52,002, bad year $56,003, 1 year in 100 $70,004."));
    assert!(chart.contains("<tspan class=\"row-name\">Co-managed</tspan> $50,001 to $56,003"));
    assert!(html.contains("Whisker: 1 year in 100"));

    // A numeric lever reads as its sentence, without naming the verdict twice.
    let changes = between(&html, r#"<ul class="changes">"#, "</ul>");
    assert!(changes.contains(
        "<li>If the managed quote were above $187.50 a user a month, break/fix would come out ahead.</li>"
    ), "{changes}");
    assert!(!changes.contains("187.5<"), "no raw JSON numbers");
}

#[tokio::test]
async fn an_older_result_without_the_new_fields_shows_no_empty_boxes() {
    let app = TestApp::spawn().await;
    let id = app
        .create_crafted(&dental_practice(), before_advice_model_2)
        .await;
    let html = app
        .get(&format!("/assessments/{id}"))
        .await
        .text()
        .await
        .unwrap();
    assert!(html.contains("Managed IT services"));
    for absent in [
        "verdict-summary",
        "check-answers",
        "Please check these answers",
        "1 year in 100",
        "Co-managed:",
        "band-cm",
        r#"class="tail""#,
        "Whisker",
    ] {
        assert!(!html.contains(absent), "{absent}");
    }
    let table = between(&html, r#"<table class="costs">"#, "</table>");
    assert_eq!(
        table.matches("<tr>").count(),
        3,
        "a header row and two models"
    );
    assert_eq!(table.matches(r#"<td class="num">"#).count(), 8);
    let chart = between(&html, r#"class="cost-chart""#, "</svg>");
    assert!(chart.contains("Yearly cost of break/fix and managed IT"));
    assert_eq!(chart.matches(r#"class="band band-"#).count(), 2);
}

#[tokio::test]
async fn the_assumptions_name_their_sources_with_links_and_read_as_an_owner_would_say_them() {
    let app = TestApp::spawn().await;
    for answers in [dental_practice(), tiny_studio()] {
        let created = app.create(&answers).await;
        let html = app
            .get(&format!("/assessments/{}", created["id"].as_str().unwrap()))
            .await
            .text()
            .await
            .unwrap();
        // No pointer into the research notes anywhere on the page.
        assert!(!html.contains("DOMAIN"), "an internal reference is shown");
        assert!(!html.contains('§'), "a section number is shown");

        let table = between(&html, r#"<details class="assumptions">"#, "</details>");
        // Sources are named and linked.
        assert!(
            table.contains(r#"<a href="https://iknowtech.com/rate-schedule-2023-break-fix/" rel="noopener external">iKnowTech break/fix rate schedule (2023)</a>"#),
            "{table}"
        );
        assert!(
            table.matches(r#"<a href="https://"#).count() > 20,
            "{table}"
        );
        assert!(!table.contains(r#"<a href="http:"#));
        // Where a figure comes from, in plain words.
        assert!(table.contains("<td>Your answer</td>"));
        assert!(table.contains("<td>Typical figure</td>"));
        assert!(table.contains("<td>Worked out</td>"));
        assert!(table.contains("Our assumption"));
        for code in ["<td>default</td>", "<td>estimate</td>", "<td>answer</td>"] {
            assert!(!table.contains(code), "{code}");
        }
        // Values as an owner would say them.
        assert!(
            table.contains(
                r#"<th scope="row">Minimum billed per break/fix call</th><td>1 hour</td>"#
            ),
            "{table}"
        );
        assert!(table.contains("<td>10,000 years</td>"), "{table}");
        assert!(table.contains("<td>$125 a person a month</td>"), "{table}");
        assert!(table.contains("<td>$150 an hour</td>"), "{table}");
        assert!(!table.contains(" per user per month"));
        let singular_misspelt = table.match_indices("1 hours").any(|(at, _)| {
            !table[..at]
                .chars()
                .next_back()
                .is_some_and(|c| c.is_ascii_digit() || c == '.')
        });
        assert!(!singular_misspelt, "{table}");
        assert!(
            !table.contains(".607 hours") && table.contains("1.6 hours"),
            "hours have at most one decimal: {table}"
        );
    }
}
