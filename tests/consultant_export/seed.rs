//! Assessments stored directly, under ids and names a test chooses: an API submission runs the
//! cost simulation and picks a random id.

use serde_json::Value;
use servicefit::db::{self, NewAssessment};

use crate::common::{TestApp, dental_practice};

/// Stores a copy of one submitted assessment for each `(id, company)`, a minute apart, the last
/// newest.
pub async fn store_copies(app: &TestApp, rows: &[(String, String)]) {
    let template = app.create(&dental_practice()).await;
    let mut result = template.as_object().expect("object").clone();
    result.remove("id");
    result.remove("created_at");
    let text = |key: &str| template[key].as_str().expect(key).to_owned();
    let pool = app.db().await;
    for (i, (id, company)) in rows.iter().enumerate() {
        let created_at = format!("2026-01-01T{:02}:{:02}:00Z", i / 60 % 24, i % 60);
        let mut r = Value::Object(result.clone());
        r["answers"]["company"] = Value::from(company.as_str());
        db::insert_assessment(
            &pool,
            &NewAssessment {
                id,
                created_at: &created_at,
                rules_version: &text("rules_version"),
                company: Some(company),
                employees: 20,
                recommendation: &text("recommendation"),
                confidence: &text("confidence"),
                score: template["score"].as_f64().expect("score"),
                answers_json: "{}",
                result_json: &r.to_string(),
                flagged: None,
                delete_token_hash: None,
            },
        )
        .await
        .expect("insert");
    }
}
