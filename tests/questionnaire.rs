//! The owner's path through HTML: landing page, questionnaire, submission.

mod common;

use common::{TestApp, as_form, dental_practice};
use servicefit::rules::answers::KEYS as ANSWER_KEYS;

fn pairs(v: &[(String, String)]) -> Vec<(&str, &str)> {
    v.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect()
}

#[tokio::test]
async fn landing_page_explains_the_three_models_and_links_to_the_questionnaire() {
    let app = TestApp::spawn().await;
    let res = app.get("/").await;
    assert_eq!(res.status(), 200);
    let html = res.text().await.unwrap();
    assert!(html.contains("href=\"/assess\""));
    for model in ["Break/fix", "Managed IT services", "Co-managed IT"] {
        assert!(html.contains(model), "{model} missing");
    }
}

#[tokio::test]
async fn questionnaire_is_one_form_with_a_field_for_every_answer_key() {
    let app = TestApp::spawn().await;
    let html = app.get("/assess").await.text().await.unwrap();
    assert!(html.contains(r#"<form method="post" action="/assessments""#));
    for key in ANSWER_KEYS {
        assert!(
            html.contains(&format!("name=\"{key}\"")),
            "no field for {key}"
        );
    }
    // Choices are labelled radio buttons, not bare codes.
    assert!(html.contains(r#"type="radio" name="it_reliance" id="it_reliance-high" value="high""#));
    assert!(html.contains(r#"<label for="it_reliance-high">Most work stops within an hour"#));
    for section in [
        "Your business",
        "How you use IT",
        "Support and security",
        "Money and control",
        "Adjust the assumptions",
    ] {
        assert!(html.contains(section), "section {section} missing");
    }
}

#[tokio::test]
async fn the_steps_are_about_the_same_size() {
    let app = TestApp::spawn().await;
    let api: serde_json::Value = app.get("/api/v1/questionnaire").await.json().await.unwrap();
    let sizes: Vec<usize> = api["sections"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["questions"].as_array().unwrap().len())
        .collect();
    assert_eq!(sizes.len(), 5);
    let (least, most) = (sizes.iter().min().unwrap(), sizes.iter().max().unwrap());
    assert!(most - least <= 1, "steps of {sizes:?} questions");
}

#[tokio::test]
async fn an_answer_card_is_its_label_with_the_radio_before_it() {
    let app = TestApp::spawn().await;
    let html = app.get("/assess").await.text().await.unwrap();
    // The radio comes right before its label, so `input:checked + label` marks the chosen card
    // without JavaScript.
    assert!(html.contains(
        r#"<div class="option">
            <input type="radio" name="budget" id="budget-tight" value="tight">
            <label for="budget-tight">Tight"#
    ));
}

#[tokio::test]
async fn money_fields_carry_a_dollar_sign_their_default_and_say_optional_once() {
    let app = TestApp::spawn().await;
    let html = app.get("/assess").await.text().await.unwrap();
    for key in [
        "hourly_rate",
        "managed_fee_per_user",
        "downtime_cost_per_hour",
    ] {
        let start = html.find(&format!(r#"data-question="{key}""#)).unwrap();
        let field = &html[start..start + html[start..].find("</div>\n      </div>").unwrap()];
        assert!(
            field.contains(
                r#"<div class="money"><span class="currency" aria-hidden="true">$</span>"#
            ),
            "{key}: no dollar sign"
        );
        assert_eq!(field.matches("(optional)").count(), 1, "{key}: {field}");
    }
    assert!(html.contains(r#"placeholder="150""#));
    assert!(html.contains(r#"placeholder="125""#));
    // Counts that are not money have no sign, and "optional" once as well.
    let start = html.find(r#"data-question="company""#).unwrap();
    let company = &html[start..start + html[start..].find("</div>").unwrap()];
    assert!(!company.contains("currency"));
    assert_eq!(
        company.to_lowercase().matches("optional)").count(),
        1,
        "{company}"
    );
    assert!(!company.contains("Optional."), "{company}");
}

#[tokio::test]
async fn the_error_summary_names_each_problem_briefly() {
    let app = TestApp::spawn().await;
    let res = app
        .post_form("/assessments", &[("employees", "2.5"), ("budget", "tight")])
        .await;
    assert_eq!(res.status(), 422);
    let html = res.text().await.unwrap();
    let summary = &html[html.find(r#"id="error-summary""#).unwrap()..html.find("<form").unwrap()];
    assert!(summary.contains("10 answers need attention"));
    // A short name for the eye, the message for screen readers; never the whole question.
    assert!(summary.contains(
        r##"<a href="#field-employees">People<span class="visually-hidden">: Enter a whole number of people"##
    ));
    assert!(summary.contains(r##"<a href="#field-control">How involved you want to be<span"##));
    assert!(!summary.contains("How many people use"));
    assert!(!summary.contains("field-budget"));
}

#[tokio::test]
async fn cost_assumptions_show_their_defaults_and_sources() {
    let app = TestApp::spawn().await;
    let html = app.get("/assess").await.text().await.unwrap();
    assert!(
        html.contains("If left empty: $150"),
        "hourly rate default missing"
    );
    assert!(
        html.contains("If left empty: $125"),
        "managed fee default missing"
    );
    assert!(html.contains("id=\"default-downtime_cost_per_hour\""));
}

#[tokio::test]
async fn a_complete_form_is_stored_and_redirected_with_303() {
    let app = TestApp::spawn().await;
    let form = as_form(&dental_practice());
    let res = app.post_form("/assessments", &pairs(&form)).await;
    assert_eq!(res.status(), 303);
    let location = res.headers()["location"].to_str().unwrap().to_owned();
    assert!(location.starts_with("/assessments/"));
    let page = app.get(&location).await;
    assert_eq!(page.status(), 200);
    assert!(page.text().await.unwrap().contains("Harbour Dental"));
}

#[tokio::test]
async fn invalid_employee_count_is_rejected_with_422_and_every_value_kept() {
    let app = TestApp::spawn().await;
    let mut form = as_form(&dental_practice());
    for (k, v) in form.iter_mut() {
        if k == "employees" {
            *v = "2.5".into();
        }
    }
    form.push(("hourly_rate".into(), "175".into()));
    let res = app.post_form("/assessments", &pairs(&form)).await;
    assert_eq!(res.status(), 422);
    let html = res.text().await.unwrap();
    assert!(
        html.contains(r##"<a href="#field-employees">"##),
        "summary does not link to the field"
    );
    assert!(html.contains(r#"id="error-employees""#));
    assert!(html.contains("whole number"));
    assert!(html.contains(r#"aria-invalid="true""#));
    // Values kept: the bad one as typed, the others as chosen.
    assert!(html.contains(r#"name="employees" type="text" inputmode="numeric" value="2.5""#));
    assert!(html.contains(r#"value="175""#));
    assert!(html.contains(r#"value="Harbour Dental""#));
    assert!(html.contains(r#"id="it_reliance-high" value="high" checked"#));
    assert!(html.contains(r#"id="in_house_it-none" value="none" checked"#));
}

#[tokio::test]
async fn an_empty_form_lists_every_required_question_in_the_summary() {
    let app = TestApp::spawn().await;
    let res = app.post_form("/assessments", &[("company", "Acme")]).await;
    assert_eq!(res.status(), 422);
    let html = res.text().await.unwrap();
    assert!(html.contains("11 answers need attention"));
    for key in ANSWER_KEYS.iter().filter(|k| {
        ![
            "company",
            "light_users",
            "hourly_rate",
            "managed_fee_per_user",
            "downtime_cost_per_hour",
        ]
        .contains(k)
    }) {
        assert!(
            html.contains(&format!("href=\"#field-{key}\"")),
            "{key} not in summary"
        );
    }
}

#[tokio::test]
async fn the_problem_count_offers_a_typical_rate_per_person_for_the_form_to_prefill() {
    let app = TestApp::spawn().await;
    let html = app.get("/assess").await.text().await.unwrap();
    assert!(
        html.contains(r#"data-per-person="0.6""#),
        "no per-person rate"
    );
    assert!(html.contains("about 9 a month for 15 people"));
    let api: serde_json::Value = app.get("/api/v1/questionnaire").await.json().await.unwrap();
    let incidents = api["sections"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|s| s["questions"].as_array().unwrap())
        .find(|q| q["key"] == "incidents_per_month")
        .unwrap()
        .clone();
    assert_eq!(incidents["suggested_per_person"], 0.6);
}

#[tokio::test]
async fn what_an_owner_types_is_escaped_when_the_form_comes_back() {
    let app = TestApp::spawn().await;
    let res = app
        .post_form(
            "/assessments",
            &[
                ("company", "<script>alert(1)</script>\"><img src=x>"),
                ("employees", "<b>12</b>"),
            ],
        )
        .await;
    assert_eq!(res.status(), 422);
    let html = res.text().await.unwrap();
    assert!(!html.contains("<script>alert"));
    assert!(!html.contains("<img src=x>"));
    assert!(html.contains("&#60;script&#62;"));
}

#[tokio::test]
async fn a_hostile_company_name_is_stored_and_shown_escaped() {
    let app = TestApp::spawn().await;
    let mut form = as_form(&dental_practice());
    for (k, v) in form.iter_mut() {
        if k == "company" {
            *v = "Robert'); DROP TABLE assessments;-- <script>x</script>".into();
        }
    }
    let res = app.post_form("/assessments", &pairs(&form)).await;
    assert_eq!(res.status(), 303);
    let page = app
        .get(res.headers()["location"].to_str().unwrap())
        .await
        .text()
        .await
        .unwrap();
    assert!(
        page.contains("Robert&#39;); DROP TABLE assessments;-- &#60;script&#62;x&#60;/script&#62;")
    );
    // The table is still there.
    assert_eq!(
        app.post_form("/assessments", &pairs(&as_form(&dental_practice())))
            .await
            .status(),
        303
    );
}

#[tokio::test]
async fn a_submission_that_is_not_a_form_gets_415() {
    let app = TestApp::spawn().await;
    let res = app
        .post_raw("/assessments", "text/plain", b"employees=3".to_vec())
        .await;
    assert_eq!(res.status(), 415);
    assert!(
        res.text()
            .await
            .unwrap()
            .contains("application/x-www-form-urlencoded")
    );
}

#[tokio::test]
async fn an_oversized_form_gets_413() {
    let app = TestApp::spawn().await;
    let body = format!("company={}", "a".repeat(70 * 1024)).into_bytes();
    let res = app
        .post_raw("/assessments", "application/x-www-form-urlencoded", body)
        .await;
    assert_eq!(res.status(), 413);
}

#[tokio::test]
async fn invalid_utf8_in_a_form_is_answered_not_crashed() {
    let app = TestApp::spawn().await;
    let res = app
        .post_raw(
            "/assessments",
            "application/x-www-form-urlencoded",
            b"company=%FF%FE&employees=\xff".to_vec(),
        )
        .await;
    assert!(res.status().is_client_error(), "got {}", res.status());
}
