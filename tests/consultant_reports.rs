//! The consultant's reports: trends over time and side-by-side comparison.

mod common;

use common::consultant::Consultant;
use common::{TestApp, advice_model_2, before_advice_model_2, dental_practice, tiny_studio};
use serde_json::Value;

fn id_of(v: &Value) -> String {
    v["id"].as_str().expect("id").to_owned()
}

#[tokio::test]
async fn trends_say_so_when_there_is_nothing_yet_and_chart_the_counts_when_there_is() {
    let app = TestApp::spawn().await;
    let consultant = Consultant::sign_in(&app).await;
    let res = consultant.get(&app, "/consultant/trends").await;
    assert_eq!(res.status(), 200);
    let html = res.text().await.unwrap();
    assert!(html.contains("No assessments yet"));
    assert!(!html.contains("<svg"));

    let mut scores = Vec::new();
    let mut pushes: std::collections::BTreeMap<String, (i64, i64)> = Default::default();
    for answers in [dental_practice(), tiny_studio(), tiny_studio()] {
        let created = app.create(&answers).await;
        scores.push(created["score"].as_f64().unwrap());
        for f in created["factors"].as_array().unwrap() {
            let entry = pushes
                .entry(f["label"].as_str().unwrap().to_owned())
                .or_default();
            if f["points"].as_f64().unwrap() > 0.0 {
                entry.0 += 1;
            } else {
                entry.1 += 1;
            }
        }
    }
    let html = consultant
        .get(&app, "/consultant/trends")
        .await
        .text()
        .await
        .unwrap();
    // Each factor once, with how often it pushed each way.
    for (label, (managed, break_fix)) in pushes {
        let row = format!(r#"<th scope="row">{label}</th><td>{managed}</td><td>{break_fix}</td>"#);
        assert_eq!(html.matches(&row).count(), 1, "{row}");
    }
    // Each score is counted in its two-point range, negative ones included.
    for score in scores {
        let start = (score / 2.0).floor() as i64 * 2;
        let label = |v: i64| {
            if v < 0 {
                format!("−{}", -v)
            } else if v > 0 {
                format!("+{v}")
            } else {
                "0".into()
            }
        };
        let range = format!("{} to {}", label(start), label(start + 2));
        assert!(html.contains(&range), "no range {range} for score {score}");
    }
    assert!(html.contains("Across all 3 assessments"), "{html}");
    assert_eq!(html.matches(r#"role="img""#).count(), 4, "four charts");
    assert_eq!(html.matches("<title id=").count(), 4);
    assert_eq!(html.matches("<desc id=").count(), 4);
    assert!(
        html.contains("2 break/fix, 0 co-managed, 1 managed."),
        "month description"
    );
    // The month table: break/fix, co-managed, managed, all.
    assert!(html.contains("<td>2</td><td>0</td><td>1</td><td>3</td>"));
    assert!(html.contains("Size of the business"));
    assert!(html.contains("of verdicts were close calls"));
    assert!(!html.contains("style="), "no inline styles");
}

#[tokio::test]
async fn compare_shows_both_side_by_side_and_marks_what_differs() {
    let app = TestApp::spawn().await;
    let consultant = Consultant::sign_in(&app).await;
    let dental = app.create(&dental_practice()).await;
    let studio = app.create(&tiny_studio()).await;
    let (a, b) = (id_of(&dental), id_of(&studio));

    let res = consultant
        .get(&app, &format!("/consultant/compare?a={a}&b={b}"))
        .await;
    assert_eq!(res.status(), 200);
    let html = res.text().await.unwrap();
    assert!(html.contains("Harbour Dental") && html.contains("Two Pines Studio"));
    assert!(html.contains(&format!(r#"href="/consultant/assessments/{a}""#)));
    assert!(html.contains(&format!(r#"href="/consultant/assessments/{b}""#)));
    assert!(
        html.contains(&format!(r#"value="{a}""#)),
        "the form keeps the ids"
    );
    let verdict_row = html
        .lines()
        .find(|l| l.contains(">Verdict<") || l.contains("Verdict<span"))
        .expect("verdict row");
    assert!(
        verdict_row.contains(r#"class="differs""#) && verdict_row.contains("(differs)"),
        "{verdict_row}"
    );
    assert!(
        verdict_row.contains(r#"<span class="badge badge-ms">Managed</span>"#)
            && verdict_row.contains(r#"<span class="badge badge-bf">Break/fix</span>"#),
        "the verdicts as badges: {verdict_row}"
    );
    let rules_row = html
        .lines()
        .find(|l| l.contains("Rules version"))
        .expect("rules row");
    assert!(!rules_row.contains("differs"), "{rules_row}");
    assert!(
        html.contains("Growing steadily"),
        "choices shown with their labels"
    );
    assert!(html.contains("Break-even managed fee"));

    let same = consultant
        .get(&app, &format!("/consultant/compare?a={a}&b={a}"))
        .await
        .text()
        .await
        .unwrap();
    assert!(same.contains("0 rows differ"));
    assert!(!same.contains(r#"class="differs""#));
}

#[tokio::test]
async fn compare_names_an_unknown_id_and_shows_just_the_form_when_one_is_missing() {
    let app = TestApp::spawn().await;
    let consultant = Consultant::sign_in(&app).await;
    let dental = app.create(&dental_practice()).await;
    let a = id_of(&dental);

    let res = consultant
        .get(
            &app,
            &format!("/consultant/compare?a={a}&b=AAAAAAAAAAAAAAAAAAAAAA"),
        )
        .await;
    assert_eq!(res.status(), 404);
    let html = res.text().await.unwrap();
    assert!(html.contains("AAAAAAAAAAAAAAAAAAAAAA") && html.contains("the second one"));
    assert!(!html.contains("the first one"));

    let res = consultant
        .get(&app, &format!("/consultant/compare?a=..%2Fetc&b={a}"))
        .await;
    assert_eq!(res.status(), 404);
    assert!(res.text().await.unwrap().contains("the first one"));

    let res = consultant
        .get(&app, &format!("/consultant/compare?a={a}"))
        .await;
    assert_eq!(res.status(), 200);
    let html = res.text().await.unwrap();
    assert!(html.contains(r#"name="b""#) && !html.contains("compare-table"));
    let res = consultant.get(&app, "/consultant/compare").await;
    assert_eq!(res.status(), 200);
}

#[tokio::test]
async fn compare_shows_co_managed_and_the_one_year_in_a_hundred_when_either_side_has_them() {
    let app = TestApp::spawn().await;
    let consultant = Consultant::sign_in(&app).await;
    let newer = app.create_crafted(&dental_practice(), advice_model_2).await;
    let older = app
        .create_crafted(&dental_practice(), before_advice_model_2)
        .await;
    let html = consultant
        .page(&app, &format!("/consultant/compare?a={newer}&b={older}"))
        .await;
    let row = |label: &str| {
        html.lines()
            .find(|l| l.contains(label))
            .unwrap_or_else(|| panic!("{label} row"))
            .to_owned()
    };
    assert!(row("Co-managed, average year").contains("<td>$52,345</td><td>not costed</td>"));
    assert!(row("Co-managed, 1 year in 100").contains("<td>$70,004</td><td>not costed</td>"));
    assert!(row("Break/fix, 1 year in 100").contains("<td>$91,234</td><td>not estimated</td>"));
    assert!(row("Managed, 1 year in 100").contains("(differs)"));

    let plain = consultant
        .page(&app, &format!("/consultant/compare?a={older}&b={older}"))
        .await;
    assert!(!plain.contains("Co-managed,") && !plain.contains("1 year in 100"));
    assert!(plain.contains("0 rows differ"));
}
