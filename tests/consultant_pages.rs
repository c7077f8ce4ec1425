//! How the consultant pages read: the menu marks where the consultant is, the list says how many
//! assessments match, dates read as dates, verdicts and statuses are badges, two ticked rows
//! open the comparison, and the trends chart with one month of data.

mod common;

use common::TestApp;
use common::consultant::Consultant;
use common::{dental_practice, tiny_studio};

/// The `aria-current` attributes of a page, with the link each is on.
fn current_links(html: &str) -> Vec<String> {
    html.match_indices("aria-current=")
        .map(|(at, _)| {
            let start = html[..at].rfind("<a ").expect("on a link");
            let end = at + html[at..].find('>').expect("tag end");
            html[start..=end].to_owned()
        })
        .collect()
}

#[tokio::test]
async fn the_menu_marks_the_page_the_consultant_is_on() {
    let app = TestApp::spawn().await;
    let id = app.create(&dental_practice()).await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let b = Consultant::sign_in(&app).await;
    for (path, link) in [
        (
            "/consultant",
            r#"<a href="/consultant" aria-current="page">"#,
        ),
        (
            "/consultant?recommendation=managed",
            r#"<a href="/consultant" aria-current="page">"#,
        ),
        (
            "/consultant/trends",
            r#"<a href="/consultant/trends" aria-current="page">"#,
        ),
        (
            "/consultant/compare",
            r#"<a href="/consultant/compare" aria-current="page">"#,
        ),
        (
            "/consultant/webhooks",
            r#"<a href="/consultant/webhooks" aria-current="page">"#,
        ),
        // One assessment is a page inside the review, not the review itself.
        (
            &format!("/consultant/assessments/{id}"),
            r#"<a href="/consultant" aria-current="true">"#,
        ),
        (
            &format!("/consultant/assessments/{id}/rescore"),
            r#"<a href="/consultant" aria-current="true">"#,
        ),
    ] {
        let html = b.page(&app, path).await;
        assert_eq!(current_links(&html), [link], "{path}");
        // The header is as wide as the consultant pages' content.
        assert!(html.contains(r#"<body class="workspace">"#), "{path}");
        assert!(
            html.contains(r#"<main id="main" class="wrap wide">"#),
            "{path}"
        );
    }
}

/// The text of the list's count.
fn count_line(html: &str) -> &str {
    let start = html
        .find(r#"<p class="match-count" id="match-count">"#)
        .expect("a count")
        + r#"<p class="match-count" id="match-count">"#.len();
    &html[start..start + html[start..].find("</p>").unwrap()]
}

#[tokio::test]
async fn the_list_says_how_many_assessments_match_its_filters() {
    let app = TestApp::spawn().await;
    app.create(&dental_practice()).await;
    app.create(&dental_practice()).await;
    app.create(&tiny_studio()).await;
    let b = Consultant::sign_in(&app).await;
    for (path, said) in [
        ("/consultant", "3 assessments match."),
        ("/consultant?recommendation=managed", "2 assessments match."),
        ("/consultant?q=pines", "1 assessment matches."),
        ("/consultant?from=2999-01-01", "No assessments match."),
        ("/consultant?status=won", "No assessments match."),
        // The count is of the whole selection, whatever the order.
        (
            "/consultant?sort=score_asc&q=dental",
            "2 assessments match.",
        ),
    ] {
        assert_eq!(count_line(&b.page(&app, path).await), said, "{path}");
    }
    let bad = b.get(&app, "/consultant?from=soon").await;
    assert_eq!(bad.status(), 400);
    assert!(
        !bad.text().await.unwrap().contains("match-count"),
        "no count for a selection that cannot be made"
    );
}

#[tokio::test]
async fn past_ten_thousand_the_count_says_more_than_and_filters_stay_exact() {
    let app = TestApp::spawn().await;
    // 10,050 assessments a minute apart; 40 of them won.
    match &app.db().await {
        servicefit::db::Db::Sqlite(pool) => sqlx::query(
            "WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < 10049)
             INSERT INTO assessments (id, created_at, rules_version, company, employees,
                                      recommendation, confidence, score, status, answers, result)
             SELECT printf('%022d', i),
                    strftime('%Y-%m-%dT%H:%M:%fZ', '2026-01-01', '+' || i || ' minutes'), 'test',
                    'Firm ' || i, 5, 'managed', 'moderate', 1.0,
                    CASE WHEN i % 250 = 0 THEN 'won' ELSE 'new' END, '{}', '{}'
             FROM n",
        )
        .execute(pool)
        .await
        .map(|_| ())
        .expect("seed"),
        servicefit::db::Db::Postgres(pool) => sqlx::query(
            "INSERT INTO assessments (id, created_at, rules_version, company, employees,
                                      recommendation, confidence, score, status, answers, result)
             SELECT lpad(i::text, 22, '0'),
                    to_char(timestamp '2026-01-01' + i * interval '1 minute',
                            'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"'), 'test',
                    'Firm ' || i, 5, 'managed', 'moderate', 1.0,
                    CASE WHEN i % 250 = 0 THEN 'won' ELSE 'new' END, '{}', '{}'
             FROM generate_series(0, 10049) i",
        )
        .execute(pool)
        .await
        .map(|_| ())
        .expect("seed"),
    };
    let b = Consultant::sign_in(&app).await;
    assert_eq!(
        count_line(&b.page(&app, "/consultant").await),
        "More than 10,000 assessments match (the count stops there to keep the page quick)."
    );
    assert_eq!(
        count_line(&b.page(&app, "/consultant?status=won").await),
        "41 assessments match."
    );
    assert_eq!(
        count_line(&b.page(&app, "/consultant?q=Firm+1004").await),
        "11 assessments match."
    );
}

#[tokio::test]
async fn dates_read_as_day_month_year_and_time_never_as_raw_timestamps() {
    let app = TestApp::spawn().await;
    let a = app.create(&dental_practice()).await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let b_id = app.create(&tiny_studio()).await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let pool = app.db().await;
    servicefit::on_pool!(&pool, pool => { sqlx::query("UPDATE assessments SET created_at = '2026-12-01T23:22:05.123Z' WHERE id = $1")
        .bind(&a)
        .execute(pool)
        .await
        .unwrap(); });
    let b = Consultant::sign_in(&app).await;
    b.post(
        &app,
        &format!("/consultant/assessments/{a}/notes"),
        &[("body", "Called")],
    )
    .await;
    let note_at: String = servicefit::on_pool!(&pool, pool => sqlx::query_scalar("SELECT created_at FROM notes WHERE assessment_id = $1")
            .bind(&a)
            .fetch_one(pool)
            .await
            .unwrap());

    let shown = r#"<time datetime="2026-12-01T23:22:05.123Z">1 Dec 2026, 23:22</time>"#;
    let list = b.page(&app, "/consultant").await;
    let detail = b.page(&app, &format!("/consultant/assessments/{a}")).await;
    let compare = b
        .page(&app, &format!("/consultant/compare?a={a}&b={b_id}"))
        .await;
    for (name, html) in [("list", &list), ("detail", &detail), ("compare", &compare)] {
        assert!(html.contains(shown), "{name}");
        assert!(html.contains("UTC"), "{name} says the times are UTC");
        // The stored form appears only inside `datetime` attributes.
        let raw = html.matches("2026-12-01T23:22").count();
        let attributes = html.matches(r#"datetime="2026-12-01T23:22"#).count();
        assert_eq!(raw, attributes, "{name}");
    }
    // The note's time too.
    let note =
        time::OffsetDateTime::parse(&note_at, &time::format_description::well_known::Rfc3339)
            .unwrap();
    let text = format!(
        "{} {} {}, {:02}:{:02}",
        note.day(),
        &format!("{:?}", note.month())[..3],
        note.year(),
        note.hour(),
        note.minute()
    );
    assert!(
        detail.contains(&format!(r#"<time datetime="{note_at}">{text}</time>"#)),
        "{text}"
    );
}

#[tokio::test]
async fn verdicts_and_statuses_are_badges_with_words() {
    let app = TestApp::spawn().await;
    let a = app.create(&dental_practice()).await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let b_id = app.create(&tiny_studio()).await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let b = Consultant::sign_in(&app).await;
    b.post(
        &app,
        &format!("/consultant/assessments/{a}/status"),
        &[("status", "proposal")],
    )
    .await;
    let managed = r#"<span class="badge badge-ms">Managed</span>"#;
    let break_fix = r#"<span class="badge badge-bf">Break/fix</span>"#;
    let proposal = r#"<span class="badge badge-proposal">Proposal</span>"#;
    let new = r#"<span class="badge badge-new">New</span>"#;
    let list = b.page(&app, "/consultant").await;
    let compare = b
        .page(&app, &format!("/consultant/compare?a={a}&b={b_id}"))
        .await;
    for (name, html) in [("list", &list), ("compare", &compare)] {
        for badge in [managed, break_fix, proposal, new] {
            assert!(html.contains(badge), "{name}: {badge}");
        }
    }
    let detail = b.page(&app, &format!("/consultant/assessments/{a}")).await;
    assert!(detail.contains(managed) && detail.contains(proposal));
    assert!(
        detail.contains("New → Proposal"),
        "the history names statuses in words"
    );
}

/// Ticks the given rows of the list's compare form and sends it as the browser does.
async fn tick(app: &TestApp, b: &Consultant, ids: &[&str]) -> reqwest::Response {
    let mut pairs = vec![("list", "recommendation=managed")];
    pairs.extend(ids.iter().map(|id| ("pick", *id)));
    let query = serde_urlencoded::to_string(pairs).unwrap();
    b.get(app, &format!("/consultant/compare?{query}")).await
}

#[tokio::test]
async fn two_ticked_rows_open_the_comparison_and_other_counts_are_explained() {
    let app = TestApp::spawn().await;
    let mut ids = Vec::new();
    for answers in [dental_practice(), tiny_studio(), dental_practice()] {
        ids.push(
            app.create(&answers).await["id"]
                .as_str()
                .unwrap()
                .to_owned(),
        );
    }
    let b = Consultant::sign_in(&app).await;
    let list = b.page(&app, "/consultant").await;
    assert!(list.contains(r#"<form method="get" action="/consultant/compare""#));
    assert!(list.contains(r#"<input type="hidden" name="list" value="">"#));
    for id in &ids {
        assert!(
            list.contains(&format!(r#"name="pick" value="{id}""#)),
            "a box to tick on every row"
        );
    }
    assert!(list.contains("Compare the ticked two"));
    let filtered = b.page(&app, "/consultant?recommendation=managed").await;
    assert!(
        filtered.contains(r#"<input type="hidden" name="list" value="recommendation=managed">"#)
    );

    let two = tick(&app, &b, &[&ids[0], &ids[1]]).await;
    assert_eq!(two.status(), 303);
    let to = two.headers()["location"].to_str().unwrap().to_owned();
    assert_eq!(to, format!("/consultant/compare?a={}&b={}", ids[0], ids[1]));
    let compared = b.page(&app, &to).await;
    assert!(compared.contains("Harbour Dental") && compared.contains("Two Pines Studio"));

    for (ticked, says) in [
        (&ids[..0], "No assessment was ticked"),
        (&ids[..1], "Only one assessment was ticked"),
        (&ids[..3], "3 assessments were ticked"),
    ] {
        let ticked: Vec<&str> = ticked.iter().map(String::as_str).collect();
        let res = tick(&app, &b, &ticked).await;
        assert_eq!(res.status(), 422, "{says}");
        let html = res.text().await.unwrap();
        assert!(html.contains(says), "{says}");
        assert!(
            html.contains(r#"<a href="/consultant?recommendation=managed">Back to the list</a>"#),
            "{says}: back to the list as it was"
        );
        assert!(!html.contains("rows differ"), "{says}: nothing compared");
    }
    // Pasted ids still work as before.
    let pasted = b
        .get(
            &app,
            &format!("/consultant/compare?a={}&b={}", ids[1], ids[2]),
        )
        .await;
    assert_eq!(pasted.status(), 200);
}

#[tokio::test]
async fn one_month_of_data_draws_one_column_by_the_axis() {
    let app = TestApp::spawn().await;
    app.create(&dental_practice()).await;
    let b = Consultant::sign_in(&app).await;
    let html = b.page(&app, "/consultant/trends").await;
    assert!(html.contains("the one month with assessments so far"));
    assert!(html.contains("Only one month has assessments so far"));
    let chart = &html[html.find("month-chart").unwrap()..];
    let chart = &chart[..chart.find("</svg>").unwrap()];
    assert_eq!(chart.matches("<rect ").count(), 1, "{chart}");
    assert!(
        chart.contains(r#"<rect x="56.0" y="#) && chart.contains(r#"width="56.0""#),
        "{chart}"
    );
}
