//! Reviewing past assessments: the list with its filters and paging, notes, status and tags,
//! rescoring under new rules, and the webhook log.

mod common;

use common::consultant::Consultant;
use common::{
    CONSULTANT_EMAIL as EMAIL, TestApp, advice_model_2, before_advice_model_2, dental_practice,
    tiny_studio,
};
use serde_json::json;

#[tokio::test]
async fn the_list_is_newest_first_and_filters_by_verdict_text_and_date() {
    let app = TestApp::spawn().await;
    app.create(&tiny_studio()).await;
    app.create(&dental_practice()).await;
    let b = Consultant::sign_in(&app).await;
    let html = b.get(&app, "/consultant").await.text().await.unwrap();
    let dental = html.find("Harbour Dental").unwrap();
    let studio = html.find("Two Pines Studio").unwrap();
    assert!(dental < studio, "newest first");

    let managed = b
        .get(&app, "/consultant?recommendation=managed")
        .await
        .text()
        .await
        .unwrap();
    assert!(managed.contains("Harbour Dental") && !managed.contains("Two Pines Studio"));
    let text = b
        .get(&app, "/consultant?q=pines")
        .await
        .text()
        .await
        .unwrap();
    assert!(text.contains("Two Pines Studio") && !text.contains("Harbour Dental"));
    let future = b
        .get(&app, "/consultant?from=2999-01-01")
        .await
        .text()
        .await
        .unwrap();
    assert!(future.contains("No assessments match"));
    let today = time::OffsetDateTime::now_utc().date().to_string();
    let both = b
        .get(&app, &format!("/consultant?from={today}&to={today}"))
        .await
        .text()
        .await
        .unwrap();
    assert!(both.contains("Harbour Dental") && both.contains("Two Pines Studio"));
    let wildcard = b.get(&app, "/consultant?q=%25").await.text().await.unwrap();
    assert!(
        wildcard.contains("No assessments match"),
        "a % is searched for literally"
    );
}

#[tokio::test]
async fn bad_filters_are_explained_and_kept() {
    let app = TestApp::spawn().await;
    let b = Consultant::sign_in(&app).await;
    let res = b.get(&app, "/consultant?from=last+week&q=%3Cb%3E").await;
    assert_eq!(res.status(), 400);
    let html = res.text().await.unwrap();
    assert!(html.contains("YYYY-MM-DD"));
    assert!(html.contains("value=\"last week\""));
    assert!(html.contains("value=\"&#60;b&#62;\""));
}

#[tokio::test]
async fn paging_walks_every_assessment_once_and_keeps_the_filters() {
    let app = TestApp::spawn().await;
    for i in 0..60 {
        let mut a = if i % 2 == 0 {
            dental_practice()
        } else {
            tiny_studio()
        };
        a["company"] = json!(format!("Firm {i:03}"));
        app.create(&a).await;
    }
    let b = Consultant::sign_in(&app).await;
    for sort in ["newest", "score_desc", "score_asc", "oldest"] {
        let mut seen = Vec::new();
        let mut path = format!("/consultant?sort={sort}");
        let mut pages = 0;
        loop {
            let html = b.get(&app, &path).await.text().await.unwrap();
            pages += 1;
            // The company's link, not the tick box's label that names it again.
            for part in html.split("\">Firm ").skip(1) {
                seen.push(part[..3].to_owned());
            }
            match html.find("rel=\"next\"") {
                Some(_) => {
                    let start = html.find("<a href=\"/consultant?").unwrap();
                    let next_start = html[start..].find("Next page").map(|_| ());
                    assert!(next_start.is_some());
                    let link_at = html.rfind("\" rel=\"next\"").unwrap();
                    let href_start = html[..link_at].rfind("href=\"").unwrap() + 6;
                    path = html[href_start..link_at]
                        .replace("&amp;", "&")
                        .replace("&#38;", "&");
                    assert!(
                        path.contains(&format!("sort={sort}")),
                        "filters survive paging: {path}"
                    );
                }
                None => break,
            }
        }
        assert_eq!(pages, 2, "{sort}");
        let mut unique = seen.clone();
        unique.sort();
        unique.dedup();
        assert_eq!(unique.len(), 60, "{sort}: every assessment once");
        assert_eq!(seen.len(), 60, "{sort}: none twice");
    }
}

#[tokio::test]
async fn notes_status_and_tags_build_an_append_only_history() {
    let app = TestApp::spawn().await;
    let id = app.create(&dental_practice()).await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let b = Consultant::sign_in(&app).await;
    let base = format!("/consultant/assessments/{id}");
    assert_eq!(
        b.post(
            &app,
            &format!("{base}/notes"),
            &[("body", "Called the owner <b>Tuesday</b>")]
        )
        .await
        .status(),
        303
    );
    assert_eq!(
        b.post(&app, &format!("{base}/status"), &[("status", "contacted")])
            .await
            .status(),
        303
    );
    assert_eq!(
        b.post(
            &app,
            &format!("{base}/tags"),
            &[("tags", "Dental, priority, dental")]
        )
        .await
        .status(),
        303
    );
    let html = b.get(&app, &base).await.text().await.unwrap();
    assert!(html.contains("Called the owner &#60;b&#62;Tuesday&#60;/b&#62;"));
    assert!(html.contains("New → Contacted"));
    assert!(html.contains(EMAIL));
    assert!(html.contains("value=\"dental, priority\""));
    assert!(
        html.contains("Managed IT services"),
        "the owner's report is shown"
    );

    let tagged = b
        .get(&app, "/consultant?tag=priority&status=contacted")
        .await
        .text()
        .await
        .unwrap();
    assert!(tagged.contains("Harbour Dental"));
    let untagged = b
        .get(&app, "/consultant?tag=other")
        .await
        .text()
        .await
        .unwrap();
    assert!(!untagged.contains("Harbour Dental"));
    let by_note = b
        .get(&app, "/consultant?q=tuesday")
        .await
        .text()
        .await
        .unwrap();
    assert!(by_note.contains("Harbour Dental"), "q searches notes too");

    let empty = b
        .post(&app, &format!("{base}/notes"), &[("body", "   ")])
        .await;
    assert_eq!(empty.status(), 422);
    let bad_status = b
        .post(&app, &format!("{base}/status"), &[("status", "sold")])
        .await;
    assert_eq!(bad_status.status(), 422);
    let bad_tag = b
        .post(&app, &format!("{base}/tags"), &[("tags", "<script>")])
        .await;
    assert_eq!(bad_tag.status(), 422);
    let unknown = b
        .post(
            &app,
            "/consultant/assessments/AAAAAAAAAAAAAAAAAAAAAA/notes",
            &[("body", "x")],
        )
        .await;
    assert_eq!(unknown.status(), 404);
}

#[tokio::test]
async fn rescoring_shows_the_difference_without_overwriting() {
    let app = TestApp::spawn().await;
    let created = app.create(&dental_practice()).await;
    let id = created["id"].as_str().unwrap().to_owned();
    let b = Consultant::sign_in(&app).await;
    let html = b
        .get(&app, &format!("/consultant/assessments/{id}/rescore"))
        .await
        .text()
        .await
        .unwrap();
    assert!(html.contains("The result would be the same"));

    let changed = include_str!("../rules/rules.toml").replacen(
        &format!("\"{}\"", created["rules_version"].as_str().unwrap()),
        "\"test-next\"",
        1,
    );
    let app = app
        .restart_with_rules(servicefit::rules::RuleSet::from_toml_str(&changed).unwrap())
        .await;
    let b = Consultant::sign_in(&app).await;
    let html = b
        .get(&app, &format!("/consultant/assessments/{id}/rescore"))
        .await
        .text()
        .await
        .unwrap();
    assert!(html.contains("test-next"));
    let stored: serde_json::Value = app
        .get(&format!("/api/v1/assessments/{id}"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(stored, created);
}

#[tokio::test]
async fn the_webhook_log_says_when_webhooks_are_off() {
    let app = TestApp::spawn().await;
    let b = Consultant::sign_in(&app).await;
    let res = b.get(&app, "/consultant/webhooks").await;
    assert_eq!(res.status(), 200);
    let html = res.text().await.unwrap();
    assert!(html.contains("Webhooks are off"));
    assert!(html.contains("No delivery attempts yet"));
}

/// The href of the link whose text is `label`, as a path with its `&amp;`s undone.
fn link(html: &str, label: &str) -> Option<String> {
    let end = html.find(&format!(">{label}</a>"))?;
    let tag = &html[html[..end].rfind("<a ")?..end];
    let start = tag.find("href=\"")? + 6;
    let href = &tag[start..start + tag[start..].find('"')?];
    Some(href.replace("&amp;", "&").replace("&#38;", "&"))
}

#[tokio::test]
async fn a_rare_match_past_the_search_budget_is_reached_by_continuing_the_search() {
    // SQLite's list works within a budget of entries a page; PostgreSQL's pages are complete.
    let app = TestApp::spawn_sqlite_with(|_| {}).await;
    // 20,100 assessments a minute apart; only the three oldest have "zz" in their name, so the
    // newest-first walk (20,000 entries a page) passes every other one before it gets there.
    servicefit::on_pool!(&app.db().await, pool => { sqlx::query(
        "WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < 20099)
         INSERT INTO assessments (id, created_at, rules_version, company, employees,
                                  recommendation, confidence, score, answers, result)
         SELECT printf('%022d', i),
                strftime('%Y-%m-%dT%H:%M:%fZ', '2026-01-01', '+' || i || ' minutes'), 'test',
                CASE WHEN i < 3 THEN 'Fuzzy Buzz ' || i ELSE 'Plain Firm ' || i END,
                5, 'managed', 'moderate', 1.0, '{}', '{}'
         FROM n",
    )
    .execute(pool)
    .await
    .expect("seed"); });
    let b = Consultant::sign_in(&app).await;

    let first = b.page(&app, "/consultant?q=zz").await;
    assert!(!first.contains("Fuzzy Buzz"));
    assert!(first.contains("No matches yet among the assessments searched"));
    assert!(
        first.contains("None of the newest 20,000 assessments match; older ones were not counted"),
        "the count says how far it counted"
    );
    assert!(
        first.contains("older assessments have not been searched yet"),
        "the page says what it has not searched"
    );
    assert!(link(&first, "Next page").is_none());
    let more = link(&first, "Continue searching").expect("a continue-searching link");
    assert!(more.starts_with("/consultant?q=zz&after="), "{more}");

    let rest = b.page(&app, &more).await;
    for i in 0..3 {
        assert!(rest.contains(&format!("Fuzzy Buzz {i}")), "{i}");
    }
    assert!(
        rest.find("Fuzzy Buzz 2") < rest.find("Fuzzy Buzz 0"),
        "newest first"
    );
    assert!(
        link(&rest, "Continue searching").is_none(),
        "the search is complete"
    );
    assert!(!rest.contains("have not been searched yet"));
}

#[tokio::test]
async fn the_detail_puts_the_answers_to_check_first_and_the_levers_in_dollars() {
    let app = TestApp::spawn().await;
    let id = app.create_crafted(&dental_practice(), advice_model_2).await;
    let older = app
        .create_crafted(&dental_practice(), before_advice_model_2)
        .await;
    let b = Consultant::sign_in(&app).await;
    let html = b.page(&app, &format!("/consultant/assessments/{id}")).await;

    let check = html
        .find(r#"<section id="check""#)
        .expect("the answers to check");
    assert!(
        check < html.find(r#"id="workflow""#).unwrap(),
        "before the follow-up"
    );
    assert!(html.contains(
        "<li><strong>IT problems a month:</strong> That is &#60;b&#62;more&#60;/b&#62; than two problems a person a month.</li>"
    ));
    assert!(html.contains("<li>The break-even fee is far outside what providers charge.</li>"));
    // The owner's report below carries the summary and its own list.
    assert!(
        html.contains(r#"<p class="verdict-summary">Managed IT fits &#60;Harbour &#38; Sons&#62;"#)
    );
    assert!(html.contains(r#"<h2 id="check-title">Please check these answers</h2>"#));

    // Thresholds as money and numbers, never raw JSON.
    assert!(html.contains(
        r#"<tr><th scope="row">Managed fee per person a month</th><td>$125</td><td>$187.50</td><td>Break/fix</td></tr>"#
    ), "{}", &html[html.find(r#"id="levers""#).unwrap()..][..1500]);
    assert!(!html.contains("<td>187.5</td>") && !html.contains("<td>125.0</td>"));

    let html = b
        .page(&app, &format!("/consultant/assessments/{older}"))
        .await;
    for absent in [r#"<section id="check""#, "check-answers", "verdict-summary"] {
        assert!(!html.contains(absent), "{absent}");
    }
}

#[tokio::test]
async fn rescoring_an_older_result_shows_the_new_tail_beside_not_estimated() {
    let app = TestApp::spawn().await;
    let id = app
        .create_crafted(&dental_practice(), before_advice_model_2)
        .await;
    let b = Consultant::sign_in(&app).await;
    let html = b
        .page(&app, &format!("/consultant/assessments/{id}/rescore"))
        .await;
    let row = html
        .split("<tr")
        .find(|r| r.contains("Break/fix, 1 year in 100"))
        .expect("the p99 row");
    assert!(row.starts_with(r#" class="differs""#), "{row}");
    assert!(row.contains("<td>not estimated</td><td>$"), "{row}");
}
