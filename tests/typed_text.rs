//! What people and programs type: numbers with commas, invisible characters in names, notes and
//! tags, and answers in JSON types other than the API document gives.

mod common;

use common::consultant::Consultant;
use common::{TestApp, as_form, dental_practice};
use serde_json::{Value, json};

/// Every invisible character the server removes, one of each range's ends.
const INVISIBLE: [char; 10] = [
    '\u{202A}', '\u{202E}', '\u{2066}', '\u{2069}', '\u{200B}', '\u{200F}', '\u{2060}', '\u{FEFF}',
    '\u{200D}', '\u{061C}',
];

fn has_invisible(text: &str) -> bool {
    text.chars().any(|c| INVISIBLE.contains(&c))
}

/// Posts the questionnaire form with `changes` applied to the dental practice's answers.
async fn post_form(app: &TestApp, changes: &[(&str, &str)]) -> reqwest::Response {
    let mut form = as_form(&dental_practice());
    for (key, value) in changes {
        form.retain(|(k, _)| k != key);
        form.push(((*key).to_owned(), (*value).to_owned()));
    }
    let pairs: Vec<(&str, &str)> = form.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    app.post_form("/assessments", &pairs).await
}

/// Submits the form as [`post_form`] does; returns the stored assessment as the API gives it.
async fn submit_form(app: &TestApp, changes: &[(&str, &str)]) -> Value {
    let res = post_form(app, changes).await;
    assert_eq!(res.status(), 303, "{changes:?}");
    let location = res.headers()["location"].to_str().unwrap().to_owned();
    let id = location.trim_start_matches("/assessments/");
    app.get(&format!("/api/v1/assessments/{id}"))
        .await
        .json()
        .await
        .unwrap()
}

#[tokio::test]
async fn a_comma_in_a_typed_number_is_a_decimal_comma_unless_it_groups_thousands() {
    let app = TestApp::spawn().await;
    let stored = submit_form(
        &app,
        &[
            ("incidents_per_month", "1,5"),
            ("hourly_rate", "$1,250"),
            ("managed_fee_per_user", "99,50"),
        ],
    )
    .await;
    assert_eq!(stored["answers"]["incidents_per_month"], 1.5);
    assert_eq!(stored["answers"]["hourly_rate"], 1250.0);
    assert_eq!(stored["answers"]["managed_fee_per_user"], 99.5);

    // A head count cannot be 1.5 people: refused with the whole-number message.
    let res = post_form(&app, &[("employees", "1,5")]).await;
    assert_eq!(res.status(), 422);
    assert!(
        res.text()
            .await
            .unwrap()
            .contains("Enter a whole number of people")
    );
}

#[tokio::test]
async fn invisible_characters_never_reach_the_stored_assessment_the_list_or_the_csv() {
    let app = TestApp::spawn().await;
    let consultant = Consultant::sign_in(&app).await;
    let company: String = format!(
        "{}Har\u{200B}bour\u{202E} Den\u{2066}tal\u{2069}{}",
        INVISIBLE.iter().collect::<String>(),
        '\u{FEFF}'
    );
    let stored = submit_form(&app, &[("company", &company)]).await;
    assert_eq!(stored["answers"]["company"], "Harbour Dental");
    let mut through_api = dental_practice();
    through_api["company"] = json!(company);
    let from_api = app.create(&through_api).await;
    assert_eq!(from_api["answers"]["company"], "Harbour Dental");

    let id = stored["id"].as_str().unwrap();
    let base = format!("/consultant/assessments/{id}");
    let note = consultant
        .post(
            &app,
            &format!("{base}/notes"),
            &[("body", "Call\u{202E}ed \u{200B}Tuesday")],
        )
        .await;
    assert_eq!(note.status(), 303);
    let tags = consultant
        .post(
            &app,
            &format!("{base}/tags"),
            &[("tags", "hi\u{200B}paa, \u{2066}legal\u{2069}")],
        )
        .await;
    assert_eq!(tags.status(), 303);

    let detail = consultant.page(&app, &base).await;
    assert!(detail.contains("Called Tuesday"), "the note, cleaned");
    assert!(
        detail.contains("value=\"hipaa, legal\""),
        "the tags, cleaned"
    );
    assert!(!has_invisible(&detail));

    let list = consultant.page(&app, "/consultant").await;
    assert_eq!(
        list.matches("\">Harbour Dental</a>").count(),
        2,
        "both rows"
    );
    assert!(!has_invisible(&list));
    // A search typed with an invisible character still finds the name.
    let found = consultant
        .page(
            &app,
            "/consultant?q=Harbour%E2%80%8B%20Dental&tag=hi%E2%80%8Bpaa",
        )
        .await;
    assert!(found.contains(&format!("/consultant/assessments/{id}")));

    let csv = consultant
        .get(&app, "/consultant/export.csv")
        .await
        .text()
        .await
        .unwrap();
    // The company cell of both rows (the summary sentence names the company too).
    assert_eq!(csv.matches(",Harbour Dental,").count(), 2, "{csv}");
    assert!(!has_invisible(&csv));
}

#[tokio::test]
async fn answers_in_another_json_type_than_documented_get_a_422_naming_them() {
    let app = TestApp::spawn().await;
    for (key, value) in [
        ("company", json!(0)),
        ("company", json!(false)),
        ("growth", json!(1)),
        ("employees", json!("12")),
        ("incidents_per_month", json!("1,5")),
        ("hourly_rate", json!("150")),
        ("hourly_rate", json!({"amount": 150})),
    ] {
        let mut answers = dental_practice();
        answers[key] = value.clone();
        let res = app.post_json("/api/v1/assessments", &answers).await;
        assert_eq!(res.status(), 422, "{key} = {value}");
        let body: Value = res.json().await.unwrap();
        assert_eq!(body["errors"][0]["field"], key, "{body}");
        let message = body["errors"][0]["message"].as_str().unwrap();
        assert!(message.contains("JSON"), "{message}");
    }
}

#[tokio::test]
async fn unknown_keys_are_ignored_whatever_their_json_type() {
    let app = TestApp::spawn().await;
    let mut answers = dental_practice();
    answers["notes"] = json!({"nested": {"deeper": [1, 2, 3]}});
    answers["tags"] = json!(["a", "b"]);
    answers["urgent"] = json!(true);
    answers["managed_fee_per_user"] = json!("");
    let created = app.create(&answers).await;
    assert_eq!(created["answers"]["company"], "Harbour Dental");
    assert!(created["answers"].get("notes").is_none());
}

#[tokio::test]
async fn the_document_gives_the_json_types_the_server_accepts() {
    let app = TestApp::spawn().await;
    let doc: Value = app.get("/api/v1/openapi.json").await.json().await.unwrap();
    let props = &doc["components"]["schemas"]["Answers"]["properties"];
    assert_eq!(props["company"]["type"], json!(["string", "null"]));
    assert!(
        props["company"]["pattern"].is_string(),
        "no control characters"
    );
    assert_eq!(props["employees"]["type"], "integer");
    let fee: Vec<&Value> = props["hourly_rate"]["oneOf"]
        .as_array()
        .unwrap()
        .iter()
        .collect();
    assert_eq!(fee[0]["type"], "number");
    assert_eq!(fee[1]["type"], "null");
    assert_eq!(fee[2]["enum"], json!([""]));
    assert!(
        doc["components"]["schemas"]["Answers"]
            .get("additionalProperties")
            .is_none_or(|a| a == &json!(true)),
        "unknown keys are allowed"
    );
}
