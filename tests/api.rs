//! The JSON API as an integration would use it.

mod common;

use common::{TestApp, dental_practice, tiny_studio};
use serde_json::{Value, json};

const CONTRACT_FIELDS: [&str; 10] = [
    "id",
    "created_at",
    "rules_version",
    "answers",
    "recommendation",
    "confidence",
    "score",
    "factors",
    "costs",
    "what_would_change",
];

#[tokio::test]
async fn questionnaire_lists_every_key_with_its_choices_limits_and_defaults() {
    let app = TestApp::spawn().await;
    let res = app.get("/api/v1/questionnaire").await;
    assert_eq!(res.status(), 200);
    let doc: Value = res.json().await.unwrap();
    let questions: Vec<&Value> = doc["sections"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|s| s["questions"].as_array().unwrap())
        .collect();
    assert_eq!(questions.len(), 16);
    let light = questions
        .iter()
        .find(|q| q["key"] == "light_users")
        .unwrap();
    assert_eq!(
        (light["required"].clone(), light["min"].clone()),
        (Value::Bool(false), Value::from(0.0))
    );
    let reliance = questions
        .iter()
        .find(|q| q["key"] == "it_reliance")
        .unwrap();
    let values: Vec<&str> = reliance["choices"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["value"].as_str().unwrap())
        .collect();
    assert_eq!(values, ["low", "moderate", "high", "critical"]);
    let employees = questions.iter().find(|q| q["key"] == "employees").unwrap();
    assert_eq!(employees["min"], 1.0);
    assert_eq!(employees["max"], 10000.0);
    let rate = questions
        .iter()
        .find(|q| q["key"] == "hourly_rate")
        .unwrap();
    assert_eq!(rate["required"], false);
    assert_eq!(rate["default"], 150.0);
}

#[tokio::test]
async fn a_valid_post_gives_201_a_location_and_the_whole_assessment() {
    let app = TestApp::spawn().await;
    let res = app
        .post_json("/api/v1/assessments", &dental_practice())
        .await;
    assert_eq!(res.status(), 201);
    let location = res.headers()["location"].to_str().unwrap().to_owned();
    let body: Value = res.json().await.unwrap();
    for field in CONTRACT_FIELDS {
        assert!(body.get(field).is_some(), "{field} missing");
    }
    assert_eq!(
        location,
        format!("/assessments/{}", body["id"].as_str().unwrap())
    );
    assert!(body["id"].as_str().unwrap().len() >= 16);
    assert!(body["created_at"].as_str().unwrap().ends_with('Z'));
    assert_eq!(body["recommendation"], "managed");

    // Defaults are filled in.
    assert_eq!(body["answers"]["hourly_rate"], 150.0);
    assert_eq!(body["answers"]["managed_fee_per_user"], 125.0);
    assert!(body["answers"]["downtime_cost_per_hour"].as_f64().unwrap() > 0.0);

    // Points add up to the score.
    let sum: f64 = body["factors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["points"].as_f64().unwrap())
        .sum();
    assert!((sum - body["score"].as_f64().unwrap()).abs() < 1e-6);

    for model in ["break_fix", "managed"] {
        let c = &body["costs"][model];
        let (p10, p50, p90) = (
            c["p10"].as_f64().unwrap(),
            c["p50"].as_f64().unwrap(),
            c["p90"].as_f64().unwrap(),
        );
        assert!(p10 <= p50 && p50 <= p90, "{model}: {p10} {p50} {p90}");
    }
    assert_eq!(body["costs"]["currency"], "USD");
}

#[tokio::test]
async fn a_stored_assessment_reads_back_exactly() {
    let app = TestApp::spawn().await;
    let created = app.create(&tiny_studio()).await;
    let res = app
        .get(&format!(
            "/api/v1/assessments/{}",
            created["id"].as_str().unwrap()
        ))
        .await;
    assert_eq!(res.status(), 200);
    let read: Value = res.json().await.unwrap();
    assert_eq!(read, created);
}

#[tokio::test]
async fn the_created_answer_and_a_later_read_are_the_same_bytes() {
    let app = TestApp::spawn().await;
    let res = app
        .post_json("/api/v1/assessments", &dental_practice())
        .await;
    assert_eq!(res.status(), 201);
    assert_eq!(res.headers()["content-type"], "application/json");
    let created = res.text().await.unwrap();
    let id = serde_json::from_str::<Value>(&created).unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let read = app.get(&format!("/api/v1/assessments/{id}")).await;
    assert_eq!(read.status(), 200);
    // The same bytes but the owner's private link, which ends the creating answer only.
    let (assessment, link) = created
        .rsplit_once(",\"delete_url\":")
        .expect("a delete_url");
    assert!(link.starts_with('"') && link.ends_with("\"}"), "{link}");
    assert_eq!(read.text().await.unwrap(), format!("{assessment}}}"));
}

#[tokio::test]
async fn the_same_answers_give_the_same_assessment_costs_included() {
    let app = TestApp::spawn().await;
    let mut a = app.create(&dental_practice()).await;
    let mut b = app.create(&dental_practice()).await;
    assert_ne!(a["id"], b["id"]);
    for v in [&mut a, &mut b] {
        let o = v.as_object_mut().unwrap();
        o.remove("id");
        o.remove("created_at");
    }
    assert_eq!(a, b);
}

#[tokio::test]
async fn light_users_count_among_the_people_and_are_billed_as_half_a_seat() {
    let app = TestApp::spawn().await;
    let mut answers = dental_practice();
    answers["light_users"] = json!(21);
    let res = app.post_json("/api/v1/assessments", &answers).await;
    assert_eq!(res.status(), 422);
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["errors"][0]["field"], "light_users");
    assert!(
        body["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("at most 20")
    );

    answers["light_users"] = json!(10);
    let res = app.post_json("/api/v1/assessments", &answers).await;
    assert_eq!(res.status(), 201);
    let a: Value = res.json().await.unwrap();
    assert_eq!(a["answers"]["light_users"], 10);
    let fee = a["costs"]["managed"]["components"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["key"] == "fee")
        .unwrap()
        .clone();
    // 10 full users and 10 light users at half a seat: 15 seats at the default $125.
    assert_eq!(fee["expected_annual"], 15.0 * 125.0 * 12.0);
    assert!(
        a["summary"]
            .as_str()
            .unwrap()
            .starts_with("Managed IT services fit Harbour Dental")
    );
    assert!(a["warnings"].is_array());
    assert!(
        a["costs"]["managed"]["p99"].as_f64().unwrap()
            >= a["costs"]["managed"]["p90"].as_f64().unwrap()
    );
}

#[tokio::test]
async fn invalid_answers_get_422_with_an_error_per_field() {
    let app = TestApp::spawn().await;
    let mut answers = dental_practice();
    answers["employees"] = json!(0);
    answers["growth"] = json!("explosive");
    answers["incidents_per_month"] = json!(-1);
    let res = app.post_json("/api/v1/assessments", &answers).await;
    assert_eq!(res.status(), 422);
    let body: Value = res.json().await.unwrap();
    let fields: Vec<&str> = body["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap())
        .collect();
    assert!(fields.contains(&"employees"));
    assert!(fields.contains(&"growth"));
    assert!(fields.contains(&"incidents_per_month"));
    assert!(
        body["errors"]
            .as_array()
            .unwrap()
            .iter()
            .all(|e| !e["message"].as_str().unwrap().is_empty())
    );
}

#[tokio::test]
async fn wrong_json_types_are_field_errors_not_crashes() {
    let app = TestApp::spawn().await;
    let mut answers = dental_practice();
    answers["employees"] = json!(true);
    answers["growth"] = json!(["stable"]);
    answers["hourly_rate"] = json!(1e308);
    let res = app.post_json("/api/v1/assessments", &answers).await;
    assert_eq!(res.status(), 422);
    let body: Value = res.json().await.unwrap();
    let fields: Vec<&str> = body["errors"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|e| e["field"].as_str())
        .collect();
    assert!(
        fields.contains(&"employees") && fields.contains(&"growth"),
        "{body}"
    );
}

#[tokio::test]
async fn unknown_keys_are_ignored_and_null_optionals_are_absent() {
    let app = TestApp::spawn().await;
    let mut answers = dental_practice();
    answers["favourite_colour"] = json!("blue");
    answers["hourly_rate"] = Value::Null;
    answers["managed_fee_per_user"] = json!("");
    let body = app.create(&answers).await;
    assert_eq!(body["answers"]["hourly_rate"], 150.0);
    assert!(body["answers"].get("favourite_colour").is_none());
}

#[tokio::test]
async fn malformed_json_gets_400_in_the_error_shape() {
    let app = TestApp::spawn().await;
    let res = app
        .post_raw(
            "/api/v1/assessments",
            "application/json",
            b"{\"employees\": 12,".to_vec(),
        )
        .await;
    assert_eq!(res.status(), 400);
    let body: Value = res.json().await.unwrap();
    assert!(
        body["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("JSON")
    );
    assert!(body["errors"][0].get("field").is_none());
}

#[tokio::test]
async fn a_json_array_is_not_a_set_of_answers() {
    let app = TestApp::spawn().await;
    let res = app
        .post_raw(
            "/api/v1/assessments",
            "application/json",
            b"[1,2,3]".to_vec(),
        )
        .await;
    assert_eq!(res.status(), 422);
}

#[tokio::test]
async fn deeply_nested_json_is_refused_cleanly() {
    let app = TestApp::spawn().await;
    let body = format!("{}{}", "[".repeat(5000), "]".repeat(5000)).into_bytes();
    let res = app
        .post_raw("/api/v1/assessments", "application/json", body)
        .await;
    assert_eq!(res.status(), 400);
}

#[tokio::test]
async fn another_content_type_gets_415_as_json() {
    let app = TestApp::spawn().await;
    let res = app
        .post_raw(
            "/api/v1/assessments",
            "application/x-www-form-urlencoded",
            b"employees=3".to_vec(),
        )
        .await;
    assert_eq!(res.status(), 415);
    let body: Value = res.json().await.unwrap();
    assert!(
        body["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("application/json")
    );
}

#[tokio::test]
async fn an_oversized_body_gets_413_as_json() {
    let app = TestApp::spawn().await;
    let body = format!("{{\"company\": \"{}\"}}", "a".repeat(70 * 1024)).into_bytes();
    let res = app
        .post_raw("/api/v1/assessments", "application/json", body)
        .await;
    assert_eq!(res.status(), 413);
    let body: Value = res.json().await.unwrap();
    assert!(body["errors"].is_array());
}

#[tokio::test]
async fn an_unknown_id_gets_404_as_json() {
    let app = TestApp::spawn().await;
    for path in [
        "/api/v1/assessments/AAAAAAAAAAAAAAAAAAAAAA",
        "/api/v1/assessments/..%2F..%2Fetc",
        "/api/v1/nothing",
    ] {
        let res = app.get(path).await;
        assert_eq!(res.status(), 404, "{path}");
        let body: Value = res.json().await.unwrap();
        assert!(body["errors"].is_array());
    }
}
